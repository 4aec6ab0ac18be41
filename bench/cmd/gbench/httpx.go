package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

const benchPassword = "Bench-Passw0rd!x7"

// mustLoopback refuses any URL whose host is not 127.0.0.1 / localhost /
// ::1: the harness never sends traffic anywhere else.
func mustLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); (ip != nil && ip.IsLoopback()) || h == "localhost" {
		return nil
	}
	return fmt.Errorf("refusing non-loopback URL %q", raw)
}

// loopbackTransport is a keep-alive transport that can only dial loopback
// addresses and ignores proxy settings.
func loopbackTransport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); !(host == "localhost" || (ip != nil && ip.IsLoopback())) {
				return nil, fmt.Errorf("refusing to dial non-loopback %s", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// newClient is a client that never follows redirects; jar may be nil.
func newClient(tr http.RoundTripper, jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) location(base string) string {
	loc := r.header.Get("Location")
	if loc == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return loc
	}
	l, err := b.Parse(loc)
	if err != nil {
		return loc
	}
	return l.String()
}

func (r resp) String() string {
	b := r.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("HTTP %d %s", r.status, strings.TrimSpace(string(b)))
}

// do sends one request. body may be nil, string, url.Values or any value
// that is JSON-encoded.
func do(hc *http.Client, method, u string, hdr map[string]string, body any) (resp, error) {
	if err := mustLoopback(u); err != nil {
		return resp{}, err
	}
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ctype = "application/x-www-form-urlencoded"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(j)
		ctype = "application/json"
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return resp{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	return resp{res.StatusCode, res.Header, b}, nil
}

func randToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func pkcePair() (verifier, challenge string) {
	verifier = randToken(32)
	s := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(s[:])
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// jwtAlg returns the alg of a compact JWS, or "opaque".
func jwtAlg(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "opaque"
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "opaque"
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil || h.Alg == "" {
		return "opaque"
	}
	return h.Alg
}

type tokenSet struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

func parseTokens(r resp) (tokenSet, error) {
	var t tokenSet
	if r.status != 200 {
		return t, fmt.Errorf("token endpoint: %s", r)
	}
	if err := json.Unmarshal(r.body, &t); err != nil || t.AccessToken == "" {
		return t, fmt.Errorf("token endpoint: no access_token: %s", r)
	}
	return t, nil
}
