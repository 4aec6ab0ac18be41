package password

import (
	"slices"
	"strings"
)

// runThreshold is the shortest repetition or sequence that counts.
const runThreshold = 3

// restrictedTolerance is how many characters of a password may fall outside
// restricted runs and words before the runs stop mattering: "abc" inside a
// long passphrase is harmless, "abc123abc" is not. Same rule as Logto.
const restrictedTolerance = 3

// keyboardSequences are the runs counted as sequences, forwards and
// backwards, all lower-case or all upper-case (Logto's list).
var keyboardSequences = []string{
	"0123456789", "abcdefghijklmnopqrstuvwxyz",
	"qwertyuiop", "asdfghjkl", "zxcvbnm",
	"1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik", "9ol",
}

// restricted marks every character covered by a repetition, a sequence or a
// forbidden word, and reports the kinds found when the marked characters
// leave fewer than restrictedTolerance free ones.
func (p Policy) restricted(password string) []Issue {
	r := []rune(password)
	if len(r) == 0 || (!p.Rejects.RepetitionAndSequence && len(p.Rejects.Words) == 0) {
		return nil
	}
	marked := make([]bool, len(r))
	var found []string
	mark := func(start, n int, code string) {
		if n <= 0 {
			return
		}
		for i := start; i < start+n; i++ {
			marked[i] = true
		}
		if !slices.Contains(found, code) {
			found = append(found, code)
		}
	}
	for i := range r {
		rest := r[i:]
		if p.Rejects.RepetitionAndSequence {
			mark(i, repetitionLength(rest), IssueRepetition)
			mark(i, sequenceLength(rest), IssueSequence)
		}
		mark(i, wordLength(rest, p.Rejects.Words), IssueWords)
	}
	count := 0
	for _, m := range marked {
		if m {
			count++
		}
	}
	if count <= max(1, len(r)-restrictedTolerance) {
		return nil
	}
	issues := make([]Issue, len(found))
	for i, code := range found {
		issues[i] = Issue{Code: code}
	}
	return issues
}

// repetitionLength is the length of the run of s[0] at the start of s, or 0
// when shorter than runThreshold.
func repetitionLength(s []rune) int {
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < runThreshold {
		return 0
	}
	return n
}

// sequenceLength is the length of the longest keyboard or alphabet sequence
// at the start of s, or 0 when shorter than runThreshold.
func sequenceLength(s []rune) int {
	n := 1
	for n < len(s) && isSequence(string(s[:n+1])) {
		n++
	}
	if n < runThreshold {
		return 0
	}
	return n
}

func isSequence(v string) bool {
	for _, seq := range keyboardSequences {
		rev := reverse(seq)
		for _, candidate := range []string{seq, rev, strings.ToUpper(seq), strings.ToUpper(rev)} {
			if strings.Contains(candidate, v) {
				return true
			}
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// wordLength is the length of the longest forbidden word s starts with
// (case-insensitively), or 0.
func wordLength(s []rune, words []string) int {
	if len(words) == 0 {
		return 0
	}
	lower := strings.ToLower(string(s))
	n := 0
	for _, w := range words {
		if w != "" && strings.HasPrefix(lower, strings.ToLower(w)) {
			n = max(n, len([]rune(w)))
		}
	}
	return n
}
