// Package mfatest provides a software WebAuthn authenticator for tests: it
// answers a relying party's creation and request options with real
// "none"-attestation registrations and ECDSA P-256 (ES256) assertions, as
// a browser with a platform authenticator would.
package mfatest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds credentials keyed by credential ID.
type Authenticator struct {
	// Origin is what the "browser" reports in clientDataJSON.
	Origin string
	// PayloadType is the payload's type field: "public-key" (WebAuthn) or
	// "WebAuthn" (Logto's Experience API); empty means "WebAuthn".
	PayloadType string
	creds       map[string]*credential
}

type credential struct {
	id        []byte
	key       *ecdsa.PrivateKey
	rpID      string
	userID    []byte
	signCount uint32
}

var b64 = base64.RawURLEncoding

// New returns an authenticator that answers for origin.
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, creds: map[string]*credential{}}
}

func (a *Authenticator) payloadType() string {
	if a.PayloadType == "" {
		return "WebAuthn"
	}
	return a.PayloadType
}

// creationOptions is the part of PublicKeyCredentialCreationOptions used.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
}

// Register answers creation options (registrationOptions) with a
// RegistrationResponseJSON payload for a new credential.
func (a *Authenticator) Register(options json.RawMessage) (json.RawMessage, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("mfatest: creation options: %w", err)
	}
	userID, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("mfatest: user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	c := &credential{id: make([]byte, 16), key: key, rpID: o.RP.ID, userID: userID}
	_, _ = rand.Read(c.id)
	a.creds[string(c.id)] = c

	clientData, _ := json.Marshal(map[string]any{"type": "webauthn.create", "challenge": o.Challenge,
		"origin": a.Origin, "crossOrigin": false})
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: pad32(key.X.Bytes()), -3: pad32(key.Y.Bytes())})
	if err != nil {
		return nil, err
	}
	auth := authData(c.rpID, 0x01|0x04|0x40, 0)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(c.id)))
	auth = append(auth, c.id...)
	auth = append(auth, cose...)
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": a.payloadType(),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(attObj),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// requestOptions is the part of PublicKeyCredentialRequestOptions used.
type requestOptions struct {
	Challenge        string `json:"challenge"`
	RPID             string `json:"rpId"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
}

// Assert answers request options (authenticationOptions) with an
// AuthenticationResponseJSON payload signed by the first allowed
// credential this authenticator holds.
func (a *Authenticator) Assert(options json.RawMessage) (json.RawMessage, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("mfatest: request options: %w", err)
	}
	var c *credential
	for _, allowed := range o.AllowCredentials {
		id, err := b64.DecodeString(allowed.ID)
		if err == nil && a.creds[string(id)] != nil {
			c = a.creds[string(id)]
			break
		}
	}
	if c == nil {
		return nil, fmt.Errorf("mfatest: no allowed credential")
	}
	c.signCount++
	clientData, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": o.Challenge,
		"origin": a.Origin, "crossOrigin": false})
	auth := authData(c.rpID, 0x01|0x04, c.signCount)
	digest := sha256.Sum256(clientData)
	signed := sha256.Sum256(append(append([]byte(nil), auth...), digest[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, signed[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.id), "rawId": b64.EncodeToString(c.id), "type": a.payloadType(),
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.userID),
		},
		"clientExtensionResults": map[string]any{},
	})
}

// authData is rpIdHash || flags || signCount (WebAuthn §6.1).
func authData(rpID string, flags byte, signCount uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, signCount)
}

func pad32(b []byte) []byte {
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return out
}
