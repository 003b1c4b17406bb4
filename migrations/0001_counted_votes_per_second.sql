CREATE TABLE `counted_votes_per_second` (
	`voter_hash` text NOT NULL,
	`second` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`voter_hash`, `second`)
);
--> statement-breakpoint
-- Backfill from the votes already counted (times are milliseconds after 1970, so integer division is the floor).
INSERT INTO `counted_votes_per_second` (`voter_hash`, `second`, `count`)
SELECT `voter_hash`, `at` / 1000, count(*) FROM `votes` WHERE `counted` = 1 GROUP BY `voter_hash`, `at` / 1000;
