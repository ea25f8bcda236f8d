-- The table the postgres-export and cron examples assume: one row per browser PushSubscription,
-- stored as PushSubscription.toJSON() gives it (the keys base64url-encoded).
CREATE TABLE IF NOT EXISTS push_subscriptions (
  id         bigserial   PRIMARY KEY,
  user_id    bigint,
  endpoint   text        NOT NULL UNIQUE,
  p256dh     text        NOT NULL,
  auth       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
