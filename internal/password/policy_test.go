package password

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func codes(issues []Issue) []string {
	out := make([]string, len(issues))
	for i, is := range issues {
		out[i] = is.Code
	}
	return out
}

func TestDefaultPolicyCheck(t *testing.T) {
	p := DefaultPolicy()
	info := UserInfo{Username: "alice_w", Email: "alice.wonder@example.com", Name: "Alice Wonder", Phone: "821012345678"}
	tests := []struct {
		name     string
		password string
		want     []string
	}{
		{"good passphrase", "violet-Harbor-92", nil},
		{"good lower only", "mellowtrainride", nil},
		{"too short", "x7!kq", []string{IssueTooShort}},
		{"too long", strings.Repeat("aZ7!", 65), []string{IssueTooLong}},
		{"exactly 256", strings.Repeat("aZ7!", 64), nil},
		{"unsupported characters", "비밀번호비밀번호12", []string{IssueUnsupportedCharacters}},
		{"space is a symbol", "tea time at noon", nil},
		{"common", "password1", []string{IssuePwned}},
		{"common case-insensitive", "PassWord123", []string{IssuePwned}},
		{"repetition", "aaaaaaaaaa", []string{IssueRepetition}},
		{"sequence", "abcdefghij", []string{IssueSequence}},
		{"keyboard row reversed", "poiuytrewq", []string{IssueSequence}},
		{"repetition and sequence", "1111234567", []string{IssueRepetition, IssueSequence}},
		{"short run inside passphrase is fine", "abc-violet-harbor", nil},
		{"contains username", "xx_alice_w_99", []string{IssueUserInfo}},
		{"contains username any case", "ALICE_W-rocks", []string{IssueUserInfo}},
		{"contains email local part", "my.alice.wonder!", []string{IssueUserInfo}},
		{"contains name word", "wonderland-trip", []string{IssueUserInfo}},
		{"contains phone", "tel821012345678", []string{IssueUserInfo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codes(p.Check(tt.password, info))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestPolicyOptions(t *testing.T) {
	tests := []struct {
		name     string
		policy   Policy
		password string
		want     []string
	}{
		{"two char types required", Policy{Length: LengthRule{8, 256}, CharacterTypes: CharacterTypeRule{2}}, "onlylowercase", []string{IssueCharacterTypes}},
		{"four char types met", Policy{Length: LengthRule{8, 256}, CharacterTypes: CharacterTypeRule{4}}, "aB3$efgh", nil},
		{"rejections off", Policy{Length: LengthRule{1, 256}, CharacterTypes: CharacterTypeRule{1}}, "password", nil},
		{"custom words", Policy{Length: LengthRule{1, 256}, CharacterTypes: CharacterTypeRule{1}, Rejects: RejectRule{Words: []string{"gatehouse"}}}, "GateHouse1", []string{IssueWords}},
		{"zero policy normalised", Policy{}, "x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codes(tt.policy.Check(tt.password, UserInfo{}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShortUserInfoIgnored(t *testing.T) {
	if got := DefaultPolicy().Check("alfalfa-sprouts", UserInfo{Username: "al"}); len(got) != 0 {
		t.Fatalf("two-letter username should not restrict: %v", got)
	}
}

func TestValidateError(t *testing.T) {
	err := DefaultPolicy().Validate("short", UserInfo{})
	var rej *RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("err = %v, want *RejectedError", err)
	}
	if rej.ErrorCode() != "password.rejected" || len(rej.Issues) == 0 || rej.Issues[0].Interpolation["min"] != 8 {
		t.Fatalf("unexpected error %+v", rej)
	}
	if DefaultPolicy().Validate("violet-Harbor-92", UserInfo{}) != nil {
		t.Fatal("good password rejected")
	}
}

func TestCommonListLoaded(t *testing.T) {
	if n := len(common()); n < 1000 {
		t.Fatalf("common list has %d entries, want ≥ 1000", n)
	}
	for _, pw := range []string{"123456", "qwerty", "iloveyou", "Password"} {
		if !IsCommon(pw) {
			t.Errorf("%q not found", pw)
		}
	}
	if IsCommon("# The most common passwords") {
		t.Error("comment lines must not be entries")
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := HashWith("pw", cheap)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("x", "$2b$04$abcdefghijklmnopqrstuu")
	f.Fuzz(func(t *testing.T, pw, hash string) {
		// Bound the cost the fuzzer can ask for; parse limits are tested above.
		if strings.HasPrefix(hash, "$2") || (strings.Contains(hash, "m=") && !strings.Contains(hash, "m=64,")) {
			return
		}
		_, _ = Verify(pw, hash)
	})
}
