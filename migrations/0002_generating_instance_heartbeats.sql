CREATE TABLE `instance_heartbeats` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `battles` ADD `generating_instance` text;