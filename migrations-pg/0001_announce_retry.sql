ALTER TABLE "battles" ADD COLUMN "announce_retry_at" timestamp (3) with time zone;--> statement-breakpoint
CREATE INDEX "battles_announce_retry_at" ON "battles" USING btree ("announce_retry_at");