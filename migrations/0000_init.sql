CREATE TABLE `aggregate_counts` (
	`category` text NOT NULL,
	`model_a` text NOT NULL,
	`model_b` text NOT NULL,
	`outcome` real NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`category`, `model_a`, `model_b`, `outcome`)
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`platform` text NOT NULL,
	`actor_hash` text NOT NULL,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`details` text NOT NULL,
	`allowed` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `battle_messages` (
	`battle_id` text NOT NULL,
	`platform` text NOT NULL,
	`channel` text NOT NULL,
	`thread` text,
	`message_id` text NOT NULL,
	FOREIGN KEY (`battle_id`) REFERENCES `battles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `battle_messages_platform_channel_message` ON `battle_messages` (`platform`,`channel`,`message_id`);--> statement-breakpoint
CREATE INDEX `battle_messages_platform_message` ON `battle_messages` (`platform`,`message_id`);--> statement-breakpoint
CREATE INDEX `battle_messages_battle` ON `battle_messages` (`battle_id`);--> statement-breakpoint
CREATE TABLE `battles` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`community` text NOT NULL,
	`channel` text NOT NULL,
	`thread` text,
	`creator_hash` text NOT NULL,
	`model_a` text NOT NULL,
	`model_b` text NOT NULL,
	`state` text NOT NULL,
	`categories` text NOT NULL,
	`created_at` integer NOT NULL,
	`closes_at` integer,
	`closed_at` integer,
	`reason` text,
	`outcome` real,
	`counted_votes` integer DEFAULT 0 NOT NULL,
	`counted_a` integer DEFAULT 0 NOT NULL,
	`counted_b` integer DEFAULT 0 NOT NULL,
	`counted_tie` integer DEFAULT 0 NOT NULL,
	`counted_bad` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `battles_state_closes_at` ON `battles` (`state`,`closes_at`);--> statement-breakpoint
CREATE TABLE `channel_settings` (
	`platform` text NOT NULL,
	`community` text NOT NULL,
	`channel` text NOT NULL,
	`voting_window_seconds` integer NOT NULL,
	`who_may_vote` text NOT NULL,
	PRIMARY KEY(`platform`, `community`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `models` (
	`name` text PRIMARY KEY NOT NULL,
	`base_url` text NOT NULL,
	`model` text NOT NULL,
	`api_key_env` text,
	`aliases` text NOT NULL,
	`weight` real NOT NULL,
	`enabled` integer NOT NULL,
	`max_tokens` integer NOT NULL,
	`temperature` real NOT NULL,
	`system_prompt` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`outage_until` integer,
	`counted_battles` integer DEFAULT 0 NOT NULL,
	`added_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`community` text NOT NULL,
	`channel` text NOT NULL,
	`thread` text DEFAULT '' NOT NULL,
	`category` text NOT NULL,
	`every_battles` integer NOT NULL,
	`last_top` text NOT NULL,
	`last_battle_total` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_place_category` ON `subscriptions` (`platform`,`community`,`channel`,`thread`,`category`);--> statement-breakpoint
CREATE TABLE `turns` (
	`battle_id` text NOT NULL,
	`turn` integer NOT NULL,
	`side` text NOT NULL,
	`user_content` text NOT NULL,
	`content` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`latency_ms` integer,
	`finish_reason` text,
	`error` text,
	PRIMARY KEY(`battle_id`, `turn`, `side`),
	FOREIGN KEY (`battle_id`) REFERENCES `battles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `votes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`battle_id` text NOT NULL,
	`voter_hash` text NOT NULL,
	`choice` text NOT NULL,
	`at` integer NOT NULL,
	`counted` integer NOT NULL,
	`exclusions` text NOT NULL,
	FOREIGN KEY (`battle_id`) REFERENCES `battles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `votes_battle_voter` ON `votes` (`battle_id`,`voter_hash`);--> statement-breakpoint
CREATE INDEX `votes_voter_at` ON `votes` (`voter_hash`,`at`);