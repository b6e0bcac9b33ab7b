/**
 * The PostgreSQL ledger's schema, as numbered migrations applied in order on start (migrate.ts)
 * and recorded in `schema_migrations`. A migration is never edited once released: a change is a
 * new migration. Tables mirror the LevelDB key space of ledger-keys.ts (one table per record kind)
 * plus what a fleet needs: the node that opened a hold or made a charge, and the charge's pending
 * transfer record with the log seq its node gave it.
 *
 * SQL limited to what PostgreSQL 13+, CockroachDB 23+ and YugabyteDB 2.18+ all accept: plain
 * tables, bigint amounts (0..2^63−1 nanoTAU fits), CHECK and UNIQUE constraints, `ON CONFLICT`,
 * a sequence and a partial index. No advisory locks, no LISTEN/NOTIFY, no SKIP LOCKED, no triggers.
 */

/** One schema migration. */
export interface Migration {
  version: number
  name: string
  /** Statements run in order inside one transaction. */
  statements: readonly string[]
}

/** Journal seqs reserved by one `nextval`: an operation writes at most 2 journal entries (a charge and its seeding credit). */
export const JOURNAL_SEQS_PER_BLOCK = 4

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'ledger tables',
    statements: [
      `CREATE TABLE ledger_accounts (
        address bytea PRIMARY KEY,
        balance_nano_tau bigint NOT NULL CHECK (balance_nano_tau >= 0),
        seeding_credit_nano_tau bigint NOT NULL CHECK (seeding_credit_nano_tau >= 0),
        held_nano_tau bigint NOT NULL CHECK (held_nano_tau >= 0),
        held_free_bytes bigint NOT NULL CHECK (held_free_bytes >= 0),
        free_quota_bytes bigint NOT NULL CHECK (free_quota_bytes >= 0),
        free_quota_used_bytes bigint NOT NULL CHECK (free_quota_used_bytes >= 0),
        free_quota_period_start_ms bigint NOT NULL,
        credited_nano_tau bigint NOT NULL CHECK (credited_nano_tau >= 0),
        seeded_nano_tau bigint NOT NULL CHECK (seeded_nano_tau >= 0),
        charged_nano_tau bigint NOT NULL CHECK (charged_nano_tau >= 0),
        free_bytes_total bigint NOT NULL CHECK (free_bytes_total >= 0),
        billable_bytes_total bigint NOT NULL CHECK (billable_bytes_total >= 0),
        settled_count bigint NOT NULL CHECK (settled_count >= 0),
        created_ms bigint NOT NULL,
        CHECK (held_nano_tau <= balance_nano_tau::numeric + seeding_credit_nano_tau)
      )`,
      `CREATE TABLE ledger_holds (
        request_id bytea PRIMARY KEY,
        node_id bytea NOT NULL,
        payer bytea NOT NULL,
        held_nano_tau bigint NOT NULL CHECK (held_nano_tau >= 0),
        held_free_bytes bigint NOT NULL CHECK (held_free_bytes >= 0),
        max_charge_nano_tau bigint NOT NULL CHECK (max_charge_nano_tau >= 0),
        max_free_bytes bigint NOT NULL CHECK (max_free_bytes >= 0),
        opened_ms bigint NOT NULL
      )`,
      'CREATE INDEX ledger_holds_node ON ledger_holds (node_id)',
      `CREATE TABLE ledger_outcomes (
        request_id bytea PRIMARY KEY,
        node_id bytea NOT NULL,
        payer bytea NOT NULL,
        status text NOT NULL CHECK (status IN ('settled', 'released')),
        charge_nano_tau bigint NOT NULL CHECK (charge_nano_tau >= 0),
        from_seeding_nano_tau bigint NOT NULL CHECK (from_seeding_nano_tau >= 0),
        free_bytes bigint NOT NULL CHECK (free_bytes >= 0),
        billable_bytes bigint NOT NULL CHECK (billable_bytes >= 0),
        journal_seq bigint NOT NULL,
        closed_ms bigint NOT NULL
      )`,
      `CREATE TABLE ledger_journal (
        seq bigint PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('settlement', 'seeding', 'charge')),
        address bytea NOT NULL,
        amount_nano_tau bigint NOT NULL CHECK (amount_nano_tau >= 0),
        from_seeding_nano_tau bigint NOT NULL CHECK (from_seeding_nano_tau >= 0),
        ref bytea NOT NULL,
        free_bytes bigint NOT NULL CHECK (free_bytes >= 0),
        billable_bytes bigint NOT NULL CHECK (billable_bytes >= 0),
        ts_ms bigint NOT NULL
      )`,
      'CREATE INDEX ledger_journal_address ON ledger_journal (address, ts_ms, seq)',
      'CREATE SEQUENCE ledger_journal_block',
      `CREATE TABLE ledger_settlements (
        txid bytea PRIMARY KEY,
        tx bytea NOT NULL,
        journal_seq bigint NOT NULL UNIQUE,
        imported_ms bigint NOT NULL
      )`,
      `CREATE TABLE ledger_settlement_nonces (
        from_address bytea NOT NULL,
        nonce bigint NOT NULL,
        txid bytea NOT NULL UNIQUE,
        PRIMARY KEY (from_address, nonce)
      )`,
      // a charge made through a node's transfer log: the record's pending bytes, the node's log
      // count when charged (the record's seq will be at or above it) and, once logged, its seq
      `CREATE TABLE ledger_charges (
        request_id bytea PRIMARY KEY,
        node_id bytea NOT NULL,
        record bytea NOT NULL,
        log_floor bigint NOT NULL CHECK (log_floor >= 0),
        log_seq bigint CHECK (log_seq >= log_floor),
        UNIQUE (node_id, log_seq)
      )`,
      'CREATE INDEX ledger_charges_unlogged ON ledger_charges (node_id) WHERE log_seq IS NULL'
    ]
  }
])

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version
