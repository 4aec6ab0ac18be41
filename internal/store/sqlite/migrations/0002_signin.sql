-- Gatehouse schema, version 2 (SQLite): the sign-in experience.
-- Keep in step with postgres/migrations/0002_signin.sql.

-- One row per sign-in experience (Logto has one, "default"). The document
-- is JSON owned by the signinexp package; version counts writes.
CREATE TABLE sign_in_experiences (
	id TEXT PRIMARY KEY,
	settings TEXT,
	version INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);

-- E-mail and SMS one-time codes; id is the verification record ID. Only a
-- keyed hash of the code is kept.
CREATE TABLE verification_codes (
	id TEXT PRIMARY KEY,
	interaction_id TEXT NOT NULL DEFAULT '',
	identifier_type TEXT NOT NULL,
	identifier TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	hash BLOB NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	consumed_at INTEGER
);
CREATE INDEX verification_codes_expires_at ON verification_codes (expires_at);

-- Fixed-window counters; the key names the window, so a row lives for one
-- window. Keys are hashed by the caller (no identifiers in clear).
CREATE TABLE rate_limit_counters (
	id TEXT PRIMARY KEY,
	count INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX rate_limit_counters_expires_at ON rate_limit_counters (expires_at);

-- Failure counts and lockouts with exponential backoff, per hashed key.
CREATE TABLE rate_limit_lockouts (
	id TEXT PRIMARY KEY,
	failures INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER,
	updated_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX rate_limit_lockouts_expires_at ON rate_limit_lockouts (expires_at);
