/** `playpulse dlq --help`. */
export const DLQ_HELP = `usage: playpulse dlq <list|show|redrive|purge> [options]

Dead letters are messages a consumer could not process after bounded retries (undecodable,
invalid for their schema version, a version no consumer can upcast, a row ClickHouse refuses).
They wait in the stream <PLAYPULSE_STREAM>_DLQ under dlq.<consumer>.<event type>, with the
original payload and headers, the error, the attempt count and the consumer's name.
See docs/operations-dlq.md.

commands:
  list          counts by consumer, event type and error, then the entries, oldest first
  show SEQ      one dead letter: payload (a pack as its events, numbered), headers, error
  redrive       republish each to its original subject with its original Nats-Msg-Id (the
                event id), then remove it; every consumer of that subject sees it again,
                and an event stored twice counts once; a webhook delivery's dead letter is
                POSTed again to its own endpoint only, under the same delivery id
  purge         remove dead letters; needs a filter or --all, and asks first (--yes does not)

filters (list, redrive, purge):
  --consumer NAME   analytics, recommendations, content, quarantine, evaluations, or
                    webhooks-hook-<id> (an alert webhook endpoint: docs/webhooks.md)
  --subject TYPE    the original event type; NATS wildcards allowed (user.video.*)
  --error TEXT      the error contains TEXT
  --seq N           just this dead letter (redrive, purge)
  --all             purge: every dead letter

options:
  --limit N         list: entries to print (default 50; the counts cover all of them)
  --fresh-id        redrive: publish under "<event id>:redrive:<dlq seq>". JetStream drops a
                    publish whose id it saw within the stream's duplicate window
                    (PLAYPULSE_DUPLICATE_WINDOW_SECONDS), so a plain redrive holds such
                    dead letters back and says until when; --fresh-id sends them now (safe:
                    every table is keyed by the event id in the body)
  --yes             purge: do not ask for confirmation
  --json            machine-readable output on stdout; progress stays on stderr
  -h, --help        this text

exit status: 0 done; 1 some redrives failed; 2 usage error, purge not confirmed, or no
dead-letter stream yet (run "playpulse migrate"); 3 some dead letters held back by the
duplicate window; 4 a read the server cut short (run the command again).

examples:
  playpulse dlq list --consumer analytics
  playpulse dlq show 42 --json
  playpulse dlq redrive --consumer analytics --subject user.video.heartbeat
  playpulse dlq purge --error "not a JSON object" --yes`;
