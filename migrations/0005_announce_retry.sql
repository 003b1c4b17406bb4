ALTER TABLE `battles` ADD `announce_retry_at` integer;--> statement-breakpoint
CREATE INDEX `battles_announce_retry_at` ON `battles` (`announce_retry_at`);