// Package password hashes, verifies and judges user passwords.
//
// Hashes are PHC strings. New hashes are argon2id with OWASP's baseline
// parameters (m=19 MiB, t=2, p=1), the same shape Logto writes, so a user
// table imported from Logto verifies unchanged:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// Verify also accepts the legacy formats Logto can import (argon2i PHC and
// bcrypt); NeedsRehash reports them, and any argon2id hash weaker than the
// current parameters, so callers upgrade the stored hash on the next
// successful sign-in.
//
// DummyVerify spends the same time as a real verification. Sign-in calls it
// when the account does not exist (or has no password), so the response time
// does not tell an attacker which accounts exist.
//
// Policy is Logto's password policy (length, character types, rejects). The
// "pwned" rejection uses an embedded list of the most common breached
// passwords instead of calling an online breach API: the server stays
// self-contained and never sends anything derived from a password elsewhere.
package password
