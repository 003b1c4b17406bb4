CREATE TABLE "aggregate_counts" (
	"category" text NOT NULL,
	"model_a" text NOT NULL,
	"model_b" text NOT NULL,
	"outcome" double precision NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "aggregate_counts_category_model_a_model_b_outcome_pk" PRIMARY KEY("category","model_a","model_b","outcome")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone NOT NULL,
	"platform" text NOT NULL,
	"actor_hash" text NOT NULL,
	"actor_name" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"details" jsonb NOT NULL,
	"allowed" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "battle_messages" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "battle_messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"battle_id" text NOT NULL,
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"thread" text,
	"message_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "battles" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "battles_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"platform" text NOT NULL,
	"community" text NOT NULL,
	"channel" text NOT NULL,
	"thread" text,
	"creator_hash" text NOT NULL,
	"model_a" text NOT NULL,
	"model_b" text NOT NULL,
	"state" text NOT NULL,
	"categories" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"closes_at" timestamp (3) with time zone,
	"closed_at" timestamp (3) with time zone,
	"reason" text,
	"outcome" double precision,
	"counted_votes" integer DEFAULT 0 NOT NULL,
	"counted_a" integer DEFAULT 0 NOT NULL,
	"counted_b" integer DEFAULT 0 NOT NULL,
	"counted_tie" integer DEFAULT 0 NOT NULL,
	"counted_bad" integer DEFAULT 0 NOT NULL,
	"generating_instance" text,
	"close_claimed_by" text,
	"close_claimed_until" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "channel_settings" (
	"platform" text NOT NULL,
	"community" text NOT NULL,
	"channel" text NOT NULL,
	"voting_window_seconds" integer NOT NULL,
	"who_may_vote" text NOT NULL,
	CONSTRAINT "channel_settings_platform_community_channel_pk" PRIMARY KEY("platform","community","channel")
);
--> statement-breakpoint
CREATE TABLE "counted_votes_per_second" (
	"voter_hash" text NOT NULL,
	"second" bigint NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "counted_votes_per_second_voter_hash_second_pk" PRIMARY KEY("voter_hash","second")
);
--> statement-breakpoint
CREATE TABLE "instance_heartbeats" (
	"instance_id" text PRIMARY KEY NOT NULL,
	"seen_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "judge_labels" (
	"battle_id" text PRIMARY KEY NOT NULL,
	"judge" text NOT NULL,
	"criteria" jsonb,
	"attempts" integer NOT NULL,
	"error" text,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "judge_votes" (
	"battle_id" text PRIMARY KEY NOT NULL,
	"judge" text NOT NULL,
	"verdict_a_first" text,
	"verdict_b_first" text,
	"outcome" double precision,
	"attempts" integer NOT NULL,
	"error" text,
	"at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"base_url" text NOT NULL,
	"model" text NOT NULL,
	"api_key_env" text,
	"aliases" jsonb NOT NULL,
	"weight" double precision NOT NULL,
	"enabled" boolean NOT NULL,
	"max_tokens" integer NOT NULL,
	"temperature" double precision NOT NULL,
	"system_prompt" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"outage_until" timestamp (3) with time zone,
	"counted_battles" integer DEFAULT 0 NOT NULL,
	"added_by" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"community" text NOT NULL,
	"channel" text NOT NULL,
	"thread" text DEFAULT '' NOT NULL,
	"category" text NOT NULL,
	"every_battles" integer NOT NULL,
	"last_top" jsonb NOT NULL,
	"last_battle_total" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"battle_id" text NOT NULL,
	"turn" integer NOT NULL,
	"side" text NOT NULL,
	"user_content" text NOT NULL,
	"content" text,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"latency_ms" integer,
	"finish_reason" text,
	"error" text,
	"style_tokens" integer,
	"style_headers" integer,
	"style_lists" integer,
	"style_bold" integer,
	CONSTRAINT "turns_battle_id_turn_side_pk" PRIMARY KEY("battle_id","turn","side")
);
--> statement-breakpoint
CREATE TABLE "votes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "votes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"battle_id" text NOT NULL,
	"voter_hash" text NOT NULL,
	"choice" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"counted" boolean NOT NULL,
	"exclusions" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "battle_messages" ADD CONSTRAINT "battle_messages_battle_id_battles_id_fk" FOREIGN KEY ("battle_id") REFERENCES "battles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_labels" ADD CONSTRAINT "judge_labels_battle_id_battles_id_fk" FOREIGN KEY ("battle_id") REFERENCES "battles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_votes" ADD CONSTRAINT "judge_votes_battle_id_battles_id_fk" FOREIGN KEY ("battle_id") REFERENCES "battles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_battle_id_battles_id_fk" FOREIGN KEY ("battle_id") REFERENCES "battles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "votes" ADD CONSTRAINT "votes_battle_id_battles_id_fk" FOREIGN KEY ("battle_id") REFERENCES "battles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "battle_messages_platform_channel_message" ON "battle_messages" USING btree ("platform","channel","message_id");--> statement-breakpoint
CREATE INDEX "battle_messages_platform_message" ON "battle_messages" USING btree ("platform","message_id");--> statement-breakpoint
CREATE INDEX "battle_messages_battle" ON "battle_messages" USING btree ("battle_id");--> statement-breakpoint
CREATE INDEX "battles_state_closes_at" ON "battles" USING btree ("state","closes_at");--> statement-breakpoint
CREATE UNIQUE INDEX "battles_seq" ON "battles" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_place_category" ON "subscriptions" USING btree ("platform","community","channel","thread","category");--> statement-breakpoint
CREATE UNIQUE INDEX "votes_battle_voter" ON "votes" USING btree ("battle_id","voter_hash");--> statement-breakpoint
CREATE INDEX "votes_voter_at" ON "votes" USING btree ("voter_hash","at");