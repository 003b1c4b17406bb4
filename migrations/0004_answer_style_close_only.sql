ALTER TABLE `turns` ADD `style_tokens` integer;--> statement-breakpoint
ALTER TABLE `turns` ADD `style_headers` integer;--> statement-breakpoint
ALTER TABLE `turns` ADD `style_lists` integer;--> statement-breakpoint
ALTER TABLE `turns` ADD `style_bold` integer;--> statement-breakpoint
-- A battle now enters the aggregates only as it closes. Battles still open (or generating a follow-up) were
-- counted vote by vote before: take them out of the aggregates and model counters; they return when they close.
UPDATE `aggregate_counts` SET `count` = `count` - (
  SELECT count(*) FROM `battles` AS b, json_each(b.`categories`) AS c
  WHERE b.`state` IN ('open', 'generating') AND b.`counted_votes` > 0 AND b.`model_a` <> b.`model_b`
    AND c.value = `aggregate_counts`.`category`
    AND min(b.`model_a`, b.`model_b`) = `aggregate_counts`.`model_a`
    AND max(b.`model_a`, b.`model_b`) = `aggregate_counts`.`model_b`
    AND CASE WHEN b.`model_a` < b.`model_b`
      THEN (2 * b.`counted_a` + b.`counted_tie` + b.`counted_bad`) / (2.0 * b.`counted_votes`)
      ELSE (2 * b.`counted_votes` - 2 * b.`counted_a` - b.`counted_tie` - b.`counted_bad`) / (2.0 * b.`counted_votes`)
    END = `aggregate_counts`.`outcome`
);--> statement-breakpoint
DELETE FROM `aggregate_counts` WHERE `count` <= 0;--> statement-breakpoint
UPDATE `models` SET `counted_battles` = max(0, `counted_battles` - (
  SELECT count(*) FROM `battles` AS b
  WHERE b.`state` IN ('open', 'generating') AND b.`counted_votes` > 0 AND `models`.`name` IN (b.`model_a`, b.`model_b`)
));--> statement-breakpoint
UPDATE `meta` SET `value` = `value` + 1 WHERE `key` = 'aggregates_version';
