CREATE TABLE `judge_labels` (
	`battle_id` text PRIMARY KEY NOT NULL,
	`judge` text NOT NULL,
	`criteria` text,
	`attempts` integer NOT NULL,
	`error` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`battle_id`) REFERENCES `battles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `judge_votes` (
	`battle_id` text PRIMARY KEY NOT NULL,
	`judge` text NOT NULL,
	`verdict_a_first` text,
	`verdict_b_first` text,
	`outcome` real,
	`attempts` integer NOT NULL,
	`error` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`battle_id`) REFERENCES `battles`(`id`) ON UPDATE no action ON DELETE cascade
);
