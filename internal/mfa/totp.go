package mfa

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238's defaults, the only ones every authenticator
// app understands.
const (
	TOTPPeriod = 30 * time.Second
	// TOTPSkew is how many steps before and after the current one are
	// accepted, for clocks that drift.
	TOTPSkew = 1
	// totpSecretSize is 160 bits, RFC 4226 §4's recommendation.
	totpSecretSize = 20
	// qrSize is the QR code's width and height in pixels.
	qrSize = 256
)

var totpOpts = totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPKey is a freshly generated TOTP key.
type TOTPKey struct {
	// Secret is the base32 key (what users type when they cannot scan).
	Secret string
	// URI is the otpauth:// key URI the QR code encodes.
	URI string
}

// NewTOTPKey generates a random key for account at issuer (the labels an
// authenticator app shows).
func NewTOTPKey(issuer, account string) (*TOTPKey, error) {
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: totpOpts.Period, SecretSize: totpSecretSize,
		Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: generate totp key: %w", err)
	}
	return &TOTPKey{Secret: k.Secret(), URI: k.URL()}, nil
}

// QRCodeDataURL renders key's URI as a PNG data URL, the form of Logto's
// secretQrCode.
func (k *TOTPKey) QRCodeDataURL() (string, error) {
	parsed, err := otp.NewKeyFromURL(k.URI)
	if err != nil {
		return "", fmt.Errorf("mfa: totp uri: %w", err)
	}
	img, err := parsed.Image(qrSize, qrSize)
	if err != nil {
		return "", fmt.Errorf("mfa: totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("mfa: totp qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// TOTPStep is the RFC 6238 time step (T) that t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode returns the code of secret at t. Tests and the end-to-end suite
// use it as an authenticator app would.
func TOTPCode(secret string, t time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, t, totpOpts)
	if err != nil {
		return "", fmt.Errorf("mfa: totp code: %w", err)
	}
	return code, nil
}

// ValidateTOTP checks code against secret at now, accepting the steps
// within TOTPSkew of now's, and returns the step that matched. Every
// candidate is computed and compared in constant time, so the timing does
// not tell which step (if any) matched. A malformed secret never matches.
func ValidateTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != int(totpOpts.Digits) {
		return 0, false
	}
	cur := TOTPStep(now)
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		s := cur + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*int64(TOTPPeriod/time.Second), 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}
