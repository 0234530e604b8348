BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'zhichuang','001_events','2026-12-03 18:51:44.094815+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'zhichuang','002_meta','2026-12-03 18:51:44.097345+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'profiles','001_firms','2026-12-03 18:51:44.099082+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'profiles','002_subscriptions','2026-12-03 18:51:44.100235+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'audit','001_audit','2026-12-03 18:51:44.102043+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'dedup','001_inbound_seen','2026-12-03 18:51:44.103721+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'dedup','002_inbound_owner','2026-12-03 18:51:44.105000+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'metrics','001_events_report_indexes','2026-12-03 18:51:44.106788+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'metrics','002_daily_aggregates','2026-12-03 18:51:44.108209+00:00');
INSERT INTO "_sqlite_migrations" VALUES(10,'metrics','003_active_firms','2026-12-03 18:51:44.109219+00:00');
INSERT INTO "_sqlite_migrations" VALUES(11,'metrics','004_report_range_indexes','2026-12-03 18:51:44.110769+00:00');
INSERT INTO "_sqlite_migrations" VALUES(12,'metrics','005_fallback_question_index','2026-12-03 18:51:44.111996+00:00');
INSERT INTO "_sqlite_migrations" VALUES(13,'reminders','001_broadcasts','2026-12-03 18:51:44.114569+00:00');
INSERT INTO "_sqlite_migrations" VALUES(14,'reminders','002_outbox','2026-12-03 18:51:44.116906+00:00');
INSERT INTO "_sqlite_migrations" VALUES(15,'reminders','003_deadlines','2026-12-03 18:51:44.118585+00:00');
INSERT INTO "_sqlite_migrations" VALUES(16,'tickets','001_tickets','2026-12-03 18:51:44.122169+00:00');
INSERT INTO "_sqlite_migrations" VALUES(17,'tickets','002_pending_questions_to_tickets','2026-12-03 18:51:44.123369+00:00');
INSERT INTO "_sqlite_migrations" VALUES(18,'tickets','003_ticket_addresses','2026-12-03 18:51:44.126415+00:00');
CREATE TABLE active_firms (
            period TEXT NOT NULL,         -- week or month
            start TEXT NOT NULL,          -- its first Asia/Shanghai day
            internal INTEGER NOT NULL,    -- 1: specialists and internal channels counted too
            firms INTEGER NOT NULL,
            PRIMARY KEY (period, start, internal)
        );
CREATE TABLE "audit" (
   "id" INTEGER PRIMARY KEY,
   "time" TEXT,
   "channel" TEXT,
   "actor" TEXT,
   "action" TEXT,
   "detail" TEXT
);
CREATE TABLE "broadcasts" (
   "id" INTEGER PRIMARY KEY,
   "created" TEXT,
   "scheduled_for" TEXT,
   "kind" TEXT,
   "topic" TEXT,
   "text" TEXT,
   "text_en" TEXT,
   "status" TEXT,
   "recurrence" TEXT DEFAULT 'once',
   "first_run" TEXT,
   "runs" INTEGER DEFAULT 0,
   "parent_id" INTEGER,
   "audience" TEXT,
   "footer" TEXT,
   "created_by" TEXT,
   "creator_channel" TEXT,
   "creator_chat" TEXT,
   "creator_language" TEXT,
   "user" TEXT,
   "dedup_key" TEXT,
   "fired_at" TEXT,
   "recipients" INTEGER,
   "reported_pending" INTEGER,
   "finished_at" TEXT
);
CREATE TABLE daily_aggregates (
            day TEXT NOT NULL,            -- Asia/Shanghai date
            kind TEXT NOT NULL, channel TEXT NOT NULL, internal INTEGER NOT NULL,
            county TEXT NOT NULL, topic TEXT NOT NULL, intent TEXT NOT NULL, decision TEXT NOT NULL,
            outcome TEXT NOT NULL,        -- answers: last rating (up/down); clarifications: resolved
            station_id TEXT NOT NULL, station_type TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, kind, channel, internal, county, topic, intent, decision, outcome,
                         station_id, station_type)
        );
CREATE TABLE "deadlines" (
   "id" INTEGER PRIMARY KEY,
   "user" TEXT,
   "kind" TEXT,
   "due" TEXT,
   "label" TEXT,
   "created" TEXT,
   "next_at" TEXT
);
CREATE TABLE "events" (
   "id" INTEGER PRIMARY KEY,
   "kind" TEXT,
   "time" TEXT,
   "channel" TEXT,
   "user" TEXT,
   "county" TEXT,
   "language" TEXT,
   "question" TEXT,
   "topic" TEXT,
   "intent" TEXT,
   "decision" TEXT,
   "score" REAL,
   "reply_to" INTEGER,
   "internal" INTEGER,
   "detail" TEXT
);
INSERT INTO "events" VALUES(1,'question','2026-12-01T02:00:00+00:00','telegram','u1','jianou','zh','商标注册要多久','trademark','duration','answer',0.9,NULL,0,NULL);
CREATE TABLE "firms" (
   "user" TEXT PRIMARY KEY,
   "channel" TEXT,
   "chat_id" TEXT,
   "county" TEXT,
   "industry" TEXT,
   "language" TEXT,
   "notices" INTEGER,
   "active" INTEGER,
   "created" TEXT,
   "updated" TEXT
);
CREATE TABLE "inbound_seen" (
   "channel" TEXT,
   "key" TEXT,
   "time" TEXT,
   "reply" TEXT, "owner" TEXT NOT NULL DEFAULT '',
   PRIMARY KEY ("channel", "key")
);
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
CREATE TABLE "outbox" (
   "id" INTEGER PRIMARY KEY,
   "broadcast_id" INTEGER REFERENCES "broadcasts"("id"),
   "channel" TEXT,
   "chat_id" TEXT,
   "user" TEXT,
   "language" TEXT,
   "status" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "repeated" INTEGER DEFAULT 0,
   "created" TEXT,
   "sent_at" TEXT,
   "claimed_at" TEXT,
   "next_attempt" TEXT,
   "last_error" TEXT
);
ANALYZE "sqlite_master";
INSERT INTO "sqlite_stat1" VALUES('events','idx_events_mix','1000000 200000 140000 20000 2500 1 1');
INSERT INTO "sqlite_stat1" VALUES('events','idx_events_place','1000000 75000 25000 5000 1 1');
INSERT INTO "sqlite_stat1" VALUES('events','idx_events_user_time','1000000 125 1 1');
CREATE TABLE "subscriptions" (
   "user" TEXT,
   "topic" TEXT,
   "consented_at" TEXT,
   PRIMARY KEY ("user", "topic")
);
CREATE TABLE "ticket_messages" (
   "id" INTEGER PRIMARY KEY,
   "ticket_id" INTEGER REFERENCES "tickets"("id"),
   "time" TEXT,
   "author" TEXT,
   "actor" TEXT,
   "text" TEXT
);
CREATE TABLE "ticket_notices" (
   "id" INTEGER PRIMARY KEY,
   "ticket_id" INTEGER REFERENCES "tickets"("id"),
   "created" TEXT,
   "channel" TEXT,
   "chat_id" TEXT,
   "role" TEXT,
   "kind" TEXT,
   "body" TEXT,
   "status" TEXT,
   "attempts" INTEGER,
   "sent_at" TEXT,
   "message_id" TEXT
);
CREATE TABLE "tickets" (
   "id" INTEGER PRIMARY KEY,
   "created" TEXT,
   "user" TEXT,
   "channel" TEXT,
   "language" TEXT,
   "question" TEXT,
   "county" TEXT,
   "topic" TEXT,
   "guesses" TEXT,
   "station_types" TEXT,
   "status" TEXT,
   "offered_at" TEXT,
   "escalated_at" TEXT,
   "claimed_by" TEXT,
   "claimed_at" TEXT,
   "first_response_at" TEXT,
   "closed_at" TEXT,
   "closed_by" TEXT,
   "event_id" INTEGER,
   "reply_to" INTEGER,
   "internal" INTEGER
, "address" TEXT);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX "idx_events_time"
    ON "events" ("time");
CREATE INDEX "idx_events_kind_time"
    ON "events" ("kind", "time");
CREATE INDEX "idx_events_user"
    ON "events" ("user");
CREATE INDEX "idx_audit_time"
    ON "audit" ("time");
CREATE INDEX "idx_inbound_seen_time"
    ON "inbound_seen" ("time");
CREATE INDEX "idx_inbound_seen_owner"
    ON "inbound_seen" ("owner");
CREATE INDEX "idx_events_mix"
    ON "events" ("kind", "decision", "topic", "intent", "time", "internal");
CREATE INDEX "idx_events_time_user"
    ON "events" ("time", "internal", "user");
CREATE INDEX idx_events_place ON events (county, channel, kind, time, internal);
CREATE INDEX idx_events_kind_time_internal ON events (kind, time, internal, decision, reply_to);
CREATE INDEX idx_events_reply_to ON events (reply_to, kind);
CREATE INDEX idx_events_user_time ON events (user, time, internal);
CREATE INDEX idx_events_gap ON events (question, time, internal, kind, decision) WHERE kind = 'question' AND decision = 'fallback';
CREATE INDEX "idx_broadcasts_status_scheduled_for"
    ON "broadcasts" ("status", "scheduled_for");
CREATE UNIQUE INDEX "idx_broadcasts_dedup_key"
    ON "broadcasts" ("dedup_key");
CREATE INDEX "idx_broadcasts_user"
    ON "broadcasts" ("user");
CREATE UNIQUE INDEX "idx_outbox_broadcast_id_channel_chat_id"
    ON "outbox" ("broadcast_id", "channel", "chat_id");
CREATE INDEX "idx_outbox_status_channel_next_attempt"
    ON "outbox" ("status", "channel", "next_attempt");
CREATE INDEX "idx_outbox_user"
    ON "outbox" ("user");
CREATE INDEX "idx_deadlines_user"
    ON "deadlines" ("user");
CREATE INDEX "idx_deadlines_next_at"
    ON "deadlines" ("next_at");
CREATE INDEX "idx_tickets_status"
    ON "tickets" ("status");
CREATE INDEX "idx_tickets_user"
    ON "tickets" ("user");
CREATE INDEX "idx_tickets_created"
    ON "tickets" ("created");
CREATE INDEX "idx_ticket_messages_ticket_id"
    ON "ticket_messages" ("ticket_id");
CREATE INDEX "idx_ticket_notices_channel_status"
    ON "ticket_notices" ("channel", "status");
CREATE INDEX "idx_ticket_notices_channel_chat_id_message_id"
    ON "ticket_notices" ("channel", "chat_id", "message_id");
CREATE INDEX "idx_ticket_notices_ticket_id"
    ON "ticket_notices" ("ticket_id");
COMMIT;
