CREATE TABLE `handled_updates` (
	`source` text NOT NULL,
	`update_id` integer NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`source`, `update_id`)
);
--> statement-breakpoint
CREATE INDEX `handled_updates_seen_at` ON `handled_updates` (`seen_at`);