-- Gatehouse schema, version 1 (SQLite).
-- Times are unix milliseconds (UTC) in INTEGER columns, NULL when unset.
-- Lists and maps are JSON text, NULL when empty. Booleans are 0/1.
-- Keep in step with postgres/migrations/0001_init.sql.

CREATE TABLE applications (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	is_third_party INTEGER NOT NULL DEFAULT 0,
	oidc_client_metadata TEXT NOT NULL,
	custom_client_metadata TEXT NOT NULL,
	protected_app_metadata TEXT,
	branding TEXT NOT NULL,
	custom_data TEXT,
	created_at INTEGER NOT NULL
);
CREATE INDEX applications_created_at ON applications (created_at, id);

CREATE TABLE application_secrets (
	application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	hash BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	PRIMARY KEY (application_id, name)
);

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	username TEXT,
	primary_email TEXT,
	primary_phone TEXT,
	name TEXT NOT NULL DEFAULT '',
	avatar TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	profile TEXT,
	custom_data TEXT,
	identities TEXT,
	is_suspended INTEGER NOT NULL DEFAULT 0,
	email_verified INTEGER NOT NULL DEFAULT 0,
	phone_verified INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	last_sign_in_at INTEGER
);
-- NULLs are distinct in unique indexes, so unset identifiers never clash.
CREATE UNIQUE INDEX users_username ON users (username);
CREATE UNIQUE INDEX users_primary_email ON users (lower(primary_email));
CREATE UNIQUE INDEX users_primary_phone ON users (primary_phone);
CREATE INDEX users_created_at ON users (created_at, id);

CREATE TABLE signing_keys (
	id TEXT PRIMARY KEY,
	alg TEXT NOT NULL,
	status TEXT NOT NULL,
	private_key BLOB NOT NULL,
	public_jwk BLOB NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE interactions (
	id TEXT PRIMARY KEY,
	request TEXT NOT NULL,
	event TEXT NOT NULL DEFAULT '',
	state TEXT,
	result TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	expires_at INTEGER
);
CREATE INDEX interactions_expires_at ON interactions (expires_at);

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	auth_time INTEGER,
	amr TEXT,
	client_ids TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE authorization_codes (
	hash BLOB PRIMARY KEY,
	client_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	session_id TEXT,
	grant_id TEXT,
	redirect_uri TEXT NOT NULL DEFAULT '',
	code_challenge TEXT NOT NULL DEFAULT '',
	code_challenge_method TEXT NOT NULL DEFAULT '',
	scopes TEXT,
	resources TEXT,
	nonce TEXT NOT NULL DEFAULT '',
	auth_time INTEGER,
	amr TEXT,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	consumed_at INTEGER
);
CREATE INDEX authorization_codes_client_id ON authorization_codes (client_id);
CREATE INDEX authorization_codes_user_id ON authorization_codes (user_id);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

CREATE TABLE tokens (
	hash BLOB PRIMARY KEY,
	kind TEXT NOT NULL,
	client_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	grant_id TEXT,
	session_id TEXT,
	scopes TEXT,
	resources TEXT,
	auth_time INTEGER,
	amr TEXT,
	first_issued_at INTEGER,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	consumed_at INTEGER
);
CREATE INDEX tokens_grant_id ON tokens (grant_id);
CREATE INDEX tokens_session_id ON tokens (session_id);
CREATE INDEX tokens_client_id ON tokens (client_id);
CREATE INDEX tokens_user_id ON tokens (user_id);
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE grants (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	scopes TEXT,
	resource_scopes TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	expires_at INTEGER,
	UNIQUE (user_id, client_id)
);
CREATE INDEX grants_client_id ON grants (client_id);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE resources (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	indicator TEXT NOT NULL UNIQUE,
	access_token_ttl INTEGER NOT NULL DEFAULT 0,
	is_default INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX resources_created_at ON resources (created_at, id);

CREATE TABLE scopes (
	id TEXT PRIMARY KEY,
	resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (resource_id, name)
);

CREATE TABLE roles (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX roles_created_at ON roles (created_at, id);

CREATE TABLE role_scopes (
	role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	scope_id TEXT NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
	PRIMARY KEY (role_id, scope_id)
);
CREATE INDEX role_scopes_scope_id ON role_scopes (scope_id);

CREATE TABLE user_roles (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_id ON user_roles (role_id);

CREATE TABLE application_roles (
	application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
	role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
	PRIMARY KEY (application_id, role_id)
);
CREATE INDEX application_roles_role_id ON application_roles (role_id);
