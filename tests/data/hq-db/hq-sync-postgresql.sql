-- The sync store's DDL at commit dab1a78 (schema 1), as SQLAlchemy made it on PostgreSQL,
-- staff tables included (sync.hq.dashboard.staff made them on first use).

CREATE TABLE alerts (
	id SERIAL NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	booth_id VARCHAR(64), 
	seq BIGINT, 
	detail TEXT NOT NULL, 
	raised_at BIGINT NOT NULL, 
	acknowledged BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX alerts_kind ON alerts (kind, booth_id, seq);

CREATE TABLE analysis_revocations (
	permit_no TEXT NOT NULL, 
	revoked_at BIGINT NOT NULL, 
	PRIMARY KEY (permit_no)
);

CREATE TABLE analysis_watermarks (
	booth_id VARCHAR(64) NOT NULL, 
	seq BIGINT NOT NULL, 
	PRIMARY KEY (booth_id)
);

CREATE TABLE booths (
	booth_id VARCHAR(64) NOT NULL, 
	checkpoint VARCHAR(64) NOT NULL, 
	public_key VARCHAR(64), 
	token_hash VARCHAR(64) NOT NULL, 
	token_used BOOLEAN NOT NULL, 
	created_at BIGINT NOT NULL, 
	enrolled_at BIGINT, 
	revoked BOOLEAN NOT NULL, 
	revoked_at BIGINT, 
	last_seen BIGINT, 
	acked_seq BIGINT NOT NULL, 
	head_hash VARCHAR(64), 
	PRIMARY KEY (booth_id)
);

CREATE TABLE clock_skew_seen (
	booth_id VARCHAR(64) NOT NULL, 
	boot_id TEXT NOT NULL, 
	seq BIGINT NOT NULL, 
	PRIMARY KEY (booth_id, boot_id)
);

CREATE TABLE forks (
	id SERIAL NOT NULL, 
	booth_id VARCHAR(64) NOT NULL, 
	seq BIGINT NOT NULL, 
	stored_hash VARCHAR(64) NOT NULL, 
	offered_hash VARCHAR(64) NOT NULL, 
	wire BYTEA NOT NULL, 
	wire_sha256 VARCHAR(64) NOT NULL, 
	received_at BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX forks_booth_wire ON forks (booth_id, wire_sha256);

CREATE TABLE meta (
	key VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (key)
);

CREATE TABLE officer_stats (
	checkpoint TEXT NOT NULL, 
	officer TEXT NOT NULL, 
	scans BIGINT NOT NULL, 
	overrides BIGINT NOT NULL, 
	manual BIGINT NOT NULL, 
	odd_hours BIGINT NOT NULL, 
	last_at BIGINT NOT NULL, 
	PRIMARY KEY (checkpoint, officer)
);

CREATE TABLE permit_state (
	permit_no TEXT NOT NULL, 
	at BIGINT NOT NULL, 
	booth_id VARCHAR(64) NOT NULL, 
	seq BIGINT NOT NULL, 
	checkpoint TEXT NOT NULL, 
	direction TEXT NOT NULL, 
	stay_days BIGINT, 
	ties INTEGER NOT NULL, 
	inside BOOLEAN NOT NULL, 
	due_at BIGINT, 
	overstay_due BIGINT, 
	PRIMARY KEY (permit_no)
);
CREATE INDEX permit_state_at ON permit_state (at);
CREATE INDEX permit_state_inside ON permit_state (inside, checkpoint);
CREATE INDEX permit_state_overstay ON permit_state (overstay_due);

CREATE TABLE receipts (
	booth_id VARCHAR(64) NOT NULL, 
	last_seq BIGINT NOT NULL, 
	head_hash VARCHAR(64) NOT NULL, 
	receipt BYTEA NOT NULL, 
	at BIGINT NOT NULL, 
	PRIMARY KEY (booth_id, last_seq)
);

CREATE TABLE records (
	seq BIGINT NOT NULL, 
	kind TEXT NOT NULL, 
	at BIGINT NOT NULL, 
	mono_ns BIGINT NOT NULL, 
	boot_id TEXT NOT NULL, 
	booth_id VARCHAR(64) NOT NULL, 
	checkpoint TEXT NOT NULL, 
	officer TEXT, 
	shift_id BIGINT, 
	action TEXT, 
	direction TEXT, 
	channel TEXT, 
	verdict TEXT, 
	reasons TEXT, 
	permit_no TEXT, 
	kid TEXT, 
	signature_sha256 TEXT, 
	holder TEXT, 
	native_name TEXT, 
	nationality TEXT, 
	document TEXT, 
	expires BIGINT, 
	stay_days BIGINT, 
	bundle_version BIGINT, 
	ref_seq BIGINT, 
	supervisor TEXT, 
	note TEXT, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, 
	received_at BIGINT NOT NULL, 
	PRIMARY KEY (booth_id, seq)
);
CREATE INDEX records_at ON records (at);
CREATE INDEX records_officer ON records (checkpoint, officer);
CREATE INDEX records_officer_at ON records (checkpoint, officer, at);
CREATE INDEX records_permit_no ON records (permit_no);

CREATE TABLE alert_acks (
	alert_id SERIAL NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	at BIGINT NOT NULL, 
	note TEXT NOT NULL, 
	PRIMARY KEY (alert_id)
);

CREATE TABLE staff (
	username VARCHAR(64) NOT NULL, 
	display_name TEXT NOT NULL, 
	password_hash TEXT NOT NULL, 
	failed INTEGER NOT NULL, 
	locked_until BIGINT, 
	disabled BOOLEAN NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (username)
);

CREATE TABLE staff_sessions (
	token_sha256 VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	csrf VARCHAR(64) NOT NULL, 
	created_at BIGINT NOT NULL, 
	last_used BIGINT NOT NULL, 
	PRIMARY KEY (token_sha256)
);

INSERT INTO meta (key, value) VALUES ('schema_version', '1');
