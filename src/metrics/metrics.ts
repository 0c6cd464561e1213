import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a live connection is: a page's room socket, a lobby socket, an old-protocol socket, an event stream. */
export type ConnectionKind = 'room' | 'lobby' | 'legacy' | 'events';

/** Where a change came in: an HTTP request (forms, htmx, JSON) or an old-protocol socket frame. */
export type Via = 'http' | 'legacy';
export type Action = 'send' | 'edit' | 'delete';
/** Why a change was refused: bad input, over the write budget, not the person's to change, not there. */
export type Refusal = 'invalid' | 'rate_limited' | 'forbidden' | 'not_found' | 'failed';

// Seconds. Delivery on one instance is milliseconds; a slow consumer or a database stall is seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One instance's counters, in Prometheus's text format at /metrics (docs/OPERATIONS.md). Each
 * running app has its own registry, so tests that start several apps in one process count apart.
 * Every metric is touched once per change or per request, never once per socket a change goes to.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly connections = new Gauge({
    name: 'hubbub_open_connections',
    help: 'Live connections open on this instance, by kind (room, lobby and old-protocol sockets, event streams).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly accepted = new Counter({
    name: 'hubbub_messages_accepted_total',
    help: 'Messages sent, edited or deleted and committed to a room log.',
    labelNames: ['action', 'via'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'hubbub_messages_rejected_total',
    help: 'Sends, edits and deletes refused, by reason.',
    labelNames: ['action', 'via', 'reason'] as const,
    registers: [this.registry],
  });

  readonly delivery = new Histogram({
    name: 'hubbub_delivery_seconds',
    help: "From a change's commit time in the database to its frames written to every socket of the room on this instance.",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly busPublished = new Counter({
    name: 'hubbub_bus_published_total',
    help: 'Events published to other instances (Redis pub/sub, or in-process without Redis), by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly busPublishFailures = new Counter({
    name: 'hubbub_bus_publish_failures_total',
    help: 'Publishes that failed (Redis away); other instances catch up from the database.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly busReceived = new Counter({
    name: 'hubbub_bus_received_total',
    help: 'Events received from the bus, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly replays = new Counter({
    name: 'hubbub_catchup_replays_total',
    help: 'Connections that joined behind the room log (a reconnect) and were sent the changes they missed.',
    registers: [this.registry],
  });

  readonly replayedChanges = new Counter({
    name: 'hubbub_catchup_replayed_changes_total',
    help: 'Changes sent to connections catching up after a reconnect.',
    registers: [this.registry],
  });

  readonly logReads = new Counter({
    name: 'hubbub_room_log_reads_total',
    help: "Reads of a room's log to deliver changes to its sockets here (a new message that arrives as stored, with every socket in step, needs none).",
    registers: [this.registry],
  });

  readonly catchUpReads = new Counter({
    name: 'hubbub_catchup_reads_total',
    help: 'Rooms read again by the safety net because a socket was behind the log (a nudge was lost), by trigger.',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  readonly http = new Histogram({
    name: 'hubbub_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route pattern and status (accepted WebSocket handshakes are counted as connections).',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Process figures (CPU, memory, event-loop lag, handles): one running server's, not a test's. The
   * lag is sampled by a timer every 100 ms rather than prom-client's 10 ms: waking 100 times a
   * second was most of an idle server's CPU (1 % of a core against 0.2 %), and a stall still shows,
   * as the sample due during it comes late.
   */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  /** The text format Prometheus scrapes. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
