package mfa

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// ceremonyTimeout bounds how long a WebAuthn ceremony's challenge is valid
// (the browser's prompt times out at the same moment).
const ceremonyTimeout = 5 * time.Minute

// ErrWebAuthn means a WebAuthn response did not verify (wrong challenge,
// origin, RP ID, signature, or a malformed payload). The cause is wrapped
// for logs; clients get one generic error.
var ErrWebAuthn = errors.New("mfa: webauthn verification failed")

// RelyingParty runs WebAuthn ceremonies for one public endpoint.
type RelyingParty struct {
	wa   *webauthn.WebAuthn
	rpID string
}

// NewRelyingParty returns the relying party of endpoint: its RP ID is the
// endpoint's host name and the only accepted origin is the endpoint's
// origin. displayName is what authenticators show.
func NewRelyingParty(endpoint, displayName string) (*RelyingParty, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("mfa: endpoint %q is not an http(s) URL", endpoint)
	}
	origin := u.Scheme + "://" + u.Host
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: displayName,
		RPOrigins:     []string{origin},
		// A second factor needs no attestation: Gatehouse does not
		// restrict authenticator models.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTimeout},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTimeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("mfa: webauthn: %w", err)
	}
	return &RelyingParty{wa: wa, rpID: u.Hostname()}, nil
}

// RPID is the relying party ID (the endpoint's host name).
func (rp *RelyingParty) RPID() string { return rp.rpID }

// Account is the user of a ceremony and the credentials they already have.
type Account struct {
	// ID is the user ID; it becomes the WebAuthn user handle.
	ID          string
	Name        string
	DisplayName string
	Credentials []Credential
}

// Credential is a registered WebAuthn credential as the store keeps it.
type Credential struct {
	// FactorID is the store.MFAFactor ID (empty for a new credential).
	FactorID  string `json:"factorId,omitempty"`
	ID        []byte `json:"id"`
	PublicKey []byte `json:"publicKey"`
	SignCount uint32 `json:"signCount"`
	// Details is the rest of the credential record (flags, transports,
	// AAGUID, attestation format), opaque JSON for the store.
	Details json.RawMessage `json:"details,omitempty"`
	// Attachment is "platform" or "cross-platform" when the client said.
	Attachment string `json:"attachment,omitempty"`
}

// user adapts an Account to go-webauthn.
type user struct {
	acct  Account
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte                         { return []byte(u.acct.ID) }
func (u *user) WebAuthnName() string                       { return u.acct.Name }
func (u *user) WebAuthnDisplayName() string                { return u.acct.DisplayName }
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

func newUser(acct Account) (*user, error) {
	u := &user{acct: acct}
	if u.acct.Name == "" {
		u.acct.Name = acct.ID
	}
	if u.acct.DisplayName == "" {
		u.acct.DisplayName = u.acct.Name
	}
	for _, c := range acct.Credentials {
		var wc webauthn.Credential
		if len(c.Details) > 0 {
			if err := json.Unmarshal(c.Details, &wc); err != nil {
				return nil, fmt.Errorf("mfa: stored webauthn credential: %w", err)
			}
		}
		wc.ID, wc.PublicKey, wc.Authenticator.SignCount = c.ID, c.PublicKey, c.SignCount
		u.creds = append(u.creds, wc)
	}
	return u, nil
}

// BeginRegistration returns the PublicKeyCredentialCreationOptions to hand
// to navigator.credentials.create (Logto's registrationOptions) and the
// ceremony state to keep until FinishRegistration. Credentials the account
// already has are excluded, so one authenticator is not registered twice.
func (rp *RelyingParty) BeginRegistration(acct Account) (options, session json.RawMessage, err error) {
	u, err := newUser(acct)
	if err != nil {
		return nil, nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(u.creds))
	for i := range u.creds {
		exclude = append(exclude, u.creds[i].Descriptor())
	}
	creation, sd, err := rp.wa.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: begin webauthn registration: %w", err)
	}
	return marshalPair(creation.Response, sd)
}

// FinishRegistration verifies the client's response (a PublicKeyCredential
// as JSON) against the ceremony state and returns the new credential.
func (rp *RelyingParty) FinishRegistration(acct Account, session, payload json.RawMessage) (*Credential, error) {
	u, err := newUser(acct)
	if err != nil {
		return nil, err
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(session, &sd); err != nil {
		return nil, fmt.Errorf("%w: ceremony state: %w", ErrWebAuthn, err)
	}
	body, err := normalizePayload(payload)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWebAuthn, err)
	}
	wc, err := rp.wa.CreateCredential(u, sd, parsed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWebAuthn, err)
	}
	return toCredential(wc, string(parsed.AuthenticatorAttachment))
}

// BeginLogin returns the PublicKeyCredentialRequestOptions for
// navigator.credentials.get (Logto's authenticationOptions), allowing only
// the account's credentials, and the ceremony state.
func (rp *RelyingParty) BeginLogin(acct Account) (options, session json.RawMessage, err error) {
	u, err := newUser(acct)
	if err != nil {
		return nil, nil, err
	}
	if len(u.creds) == 0 {
		return nil, nil, fmt.Errorf("%w: the account has no credentials", ErrWebAuthn)
	}
	assertion, sd, err := rp.wa.BeginLogin(u)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: begin webauthn login: %w", err)
	}
	return marshalPair(assertion.Response, sd)
}

// FinishLogin verifies an assertion against the ceremony state and returns
// the credential that signed it, with its new signature counter. A counter
// that did not increase (a possible clone) fails the ceremony, as the
// WebAuthn spec allows (§7.2 step 21).
func (rp *RelyingParty) FinishLogin(acct Account, session, payload json.RawMessage) (*Credential, error) {
	u, err := newUser(acct)
	if err != nil {
		return nil, err
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(session, &sd); err != nil {
		return nil, fmt.Errorf("%w: ceremony state: %w", ErrWebAuthn, err)
	}
	body, err := normalizePayload(payload)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWebAuthn, err)
	}
	wc, err := rp.wa.ValidateLogin(u, sd, parsed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWebAuthn, err)
	}
	if wc.Authenticator.CloneWarning {
		return nil, fmt.Errorf("%w: signature counter did not increase", ErrWebAuthn)
	}
	c, err := toCredential(wc, string(parsed.AuthenticatorAttachment))
	if err != nil {
		return nil, err
	}
	for _, known := range acct.Credentials {
		if string(known.ID) == string(c.ID) {
			c.FactorID = known.FactorID
		}
	}
	return c, nil
}

// toCredential keeps what later logins need. The attestation statement is
// dropped: Gatehouse asks for none and it is the bulk of the record.
func toCredential(wc *webauthn.Credential, attachment string) (*Credential, error) {
	rec := *wc
	rec.Attestation = webauthn.CredentialAttestation{}
	rec.Authenticator.Attachment = protocol.AuthenticatorAttachment(attachment)
	details, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("mfa: encode webauthn credential: %w", err)
	}
	return &Credential{ID: wc.ID, PublicKey: wc.PublicKey, SignCount: wc.Authenticator.SignCount,
		Details: details, Attachment: attachment}, nil
}

// normalizePayload accepts Logto's payload shape, a PublicKeyCredential
// whose type is "WebAuthn" (Logto's MfaFactor) rather than "public-key".
func normalizePayload(payload json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrWebAuthn)
	}
	if string(m["type"]) == `"WebAuthn"` {
		m["type"] = json.RawMessage(`"public-key"`)
	}
	return json.Marshal(m)
}

func marshalPair(options any, sd *webauthn.SessionData) (json.RawMessage, json.RawMessage, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: encode webauthn options: %w", err)
	}
	s, err := json.Marshal(sd)
	if err != nil {
		return nil, nil, fmt.Errorf("mfa: encode webauthn state: %w", err)
	}
	return o, s, nil
}
