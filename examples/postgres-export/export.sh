#!/usr/bin/env bash
# Streams the push_subscriptions table (schema.sql) to stdout as NDJSON, one PushSubscription per line:
#   {"endpoint":"https://…","keys":{"p256dh":"…","auth":"…"},"id":1,"user_id":42}
# usage:
#   DATABASE_URL=postgres://app@db.internal/app ./export.sh > subscriptions.ndjson
#   DATABASE_URL=postgres://app@db.internal/app ./export.sh | notify-sender send -s - -p @payload.json --vapid-keys vapid.json
# The password comes from ~/.pgpass or PGPASSWORD (not the URL, which shows up in `ps`).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL=postgres://user@host/database}"

# \copy streams rows as the server produces them (no result set held in memory, unlike a plain SELECT).
# CSV with a quote and a delimiter that JSON text never contains (json_build_object escapes control
# characters) writes each JSON document verbatim: the default text format would double every backslash.
# ORDER BY id keeps line numbers stable, which --out/resume relies on.
exec psql "$DATABASE_URL" --no-psqlrc --quiet --set ON_ERROR_STOP=1 -c "\\copy (
  SELECT json_build_object(
    'endpoint', endpoint,
    'keys', json_build_object('p256dh', p256dh, 'auth', auth),
    'id', id,
    'user_id', user_id)
  FROM push_subscriptions
  ORDER BY id
) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
