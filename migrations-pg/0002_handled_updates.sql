CREATE TABLE "handled_updates" (
	"source" text NOT NULL,
	"update_id" bigint NOT NULL,
	"seen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "handled_updates_source_update_id_pk" PRIMARY KEY("source","update_id")
);
--> statement-breakpoint
CREATE INDEX "handled_updates_seen_at" ON "handled_updates" USING btree ("seen_at");