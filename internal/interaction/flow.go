package interaction

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Identifier names an account (Logto's InteractionIdentifier).
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Profile is what the user supplied for an account that does not exist
// yet (register) or lacks mandatory fields (sign-in). The password is held
// as its hash only.
type Profile struct {
	Username     string `json:"username,omitempty"`
	PrimaryEmail string `json:"primaryEmail,omitempty"`
	PrimaryPhone string `json:"primaryPhone,omitempty"`
	PasswordHash string `json:"passwordEncrypted,omitempty"`
	// SocialIdentity is a social identity to link at submit (social.go).
	SocialIdentity *SocialIdentity `json:"socialIdentity,omitempty"`
}

func (p Profile) empty() bool { return p == Profile{} }

// Flow is the decoded state of one interaction.
type Flow struct {
	// ID is the interaction ID (the OP's resume path uses it).
	ID     string
	Event  Event
	UserID string
	// AMR lists how the identified user authenticated (RFC 8176), fixed at
	// identification so later records cannot change it.
	AMR []string
	// Profile is staged until identification (register) or submit.
	Profile Profile
	Records []Record
	// MFA holds factors to bind at submit and the skip choice (mfa.go).
	MFA MFAState
	// Result is set by Submit.
	Result *store.InteractionResult

	// rev counts writes; ApplyTo refuses to overwrite a newer revision.
	rev int
}

// state is Flow's JSON form in store.Interaction.State. The event and the
// result have their own columns, which the OP reads.
type state struct {
	Rev                 int      `json:"rev"`
	UserID              string   `json:"userId,omitempty"`
	AMR                 []string `json:"amr,omitempty"`
	Profile             Profile  `json:"profile"`
	VerificationRecords []Record `json:"verificationRecords"`
	MFA                 MFAState `json:"mfa,omitzero"`
}

// Load decodes an interaction record. An interaction that exists but was
// never started (no PUT /api/experience yet) loads with an empty Event.
func Load(rec *store.Interaction) (*Flow, error) {
	f := &Flow{ID: rec.ID, Event: Event(rec.Event), Result: rec.Result}
	if len(rec.State) == 0 || string(rec.State) == "null" {
		return f, nil
	}
	var st state
	if err := json.Unmarshal(rec.State, &st); err != nil {
		// Not ours (or corrupted): Logto treats an unparsable storage as a
		// missing interaction.
		return nil, ErrInteractionNotFound
	}
	f.rev, f.UserID, f.AMR, f.Profile, f.Records = st.Rev, st.UserID, st.AMR, st.Profile, st.VerificationRecords
	f.MFA = st.MFA
	if f.Event != "" && !f.Event.Valid() {
		return nil, ErrInteractionNotFound
	}
	return f, nil
}

// ApplyTo writes f into rec (inside store.UpdateInteraction). It fails with
// ErrConcurrentUpdate when rec was changed since f was loaded.
func (f *Flow) ApplyTo(rec *store.Interaction) error {
	if revision(rec.State) != f.rev {
		return ErrConcurrentUpdate
	}
	raw, err := json.Marshal(state{
		Rev:                 f.rev + 1,
		UserID:              f.UserID,
		AMR:                 f.AMR,
		Profile:             f.Profile,
		VerificationRecords: f.Records,
		MFA:                 f.MFA,
	})
	if err != nil {
		return err
	}
	rec.Event = string(f.Event)
	rec.State = raw
	rec.Result = f.Result
	return nil
}

// revision reads the write counter of a stored state (0 for none).
func revision(raw json.RawMessage) int {
	var st struct {
		Rev int `json:"rev"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &st) != nil {
		return 0
	}
	return st.Rev
}

// started reports whether PUT /api/experience has run.
func (f *Flow) started() error {
	if f.Event == "" {
		return ErrInteractionNotFound
	}
	return nil
}

// record returns the verification record with the given ID.
func (f *Flow) record(id string) (*Record, error) {
	for i := range f.Records {
		if f.Records[i].ID == id {
			return &f.Records[i], nil
		}
	}
	return nil, ErrVerificationNotFound
}

// setRecord adds r, replacing any record of the same type: like Logto, an
// interaction keeps the latest proof of each kind, which also bounds the
// state's size however many times a client retries.
func (f *Flow) setRecord(r Record) {
	for i := range f.Records {
		if f.Records[i].Type == r.Type {
			f.Records[i] = r
			return
		}
	}
	f.Records = append(f.Records, r)
}

// Sanitized is the state shown by GET /api/experience/interaction: no
// password hashes, no internal user IDs inside records.
type Sanitized struct {
	InteractionEvent    Event             `json:"interactionEvent"`
	UserID              string            `json:"userId,omitempty"`
	Profile             SanitizedProfile  `json:"profile"`
	VerificationRecords []SanitizedRecord `json:"verificationRecords"`
}

// SanitizedProfile is Profile without the password hash.
type SanitizedProfile struct {
	Username     string `json:"username,omitempty"`
	PrimaryEmail string `json:"primaryEmail,omitempty"`
	PrimaryPhone string `json:"primaryPhone,omitempty"`
}

// SanitizedRecord is a verification record's public part.
type SanitizedRecord struct {
	ID         string     `json:"id"`
	Type       RecordType `json:"type"`
	Identifier Identifier `json:"identifier"`
	Verified   bool       `json:"verified"`
}

// Sanitize returns the public view of f.
func (f *Flow) Sanitize() Sanitized {
	out := Sanitized{
		InteractionEvent: f.Event,
		UserID:           f.UserID,
		Profile: SanitizedProfile{
			Username: f.Profile.Username, PrimaryEmail: f.Profile.PrimaryEmail, PrimaryPhone: f.Profile.PrimaryPhone,
		},
		VerificationRecords: make([]SanitizedRecord, 0, len(f.Records)),
	}
	for _, r := range f.Records {
		out.VerificationRecords = append(out.VerificationRecords,
			SanitizedRecord{ID: r.ID, Type: r.Type, Identifier: r.Identifier, Verified: r.Verified})
	}
	return out
}
