// A network round trip on loopback: a TCP proxy that delays every flight by half the round trip
// each way, the connection's establishment included. Across the internet a request on a new
// HTTPS connection costs the TCP handshake (1 round trip), the TLS 1.3 handshake (1) and the
// exchange (1); on a kept connection, the exchange alone. n8n opens a new connection for every
// request, and the sandbox's latency knob delays only the answer, which models the kept
// connection only. TLS passes through untouched: the certificate is the server's.
//
// The model, per connection, with RTT the round trip:
// - the client's SYN reaches the server RTT/2 after the client connected: the proxy connects
//   upstream then;
// - the client can send once the SYN-ACK is back, RTT after it connected (a loopback connect
//   completes at once, so bytes it sent earlier count as sent at that moment);
// - every chunk, each way, arrives RTT/2 after it was sent, in order; so does the end of a stream.
// Bandwidth is not modelled. Bounded: at most MAX_CONNECTIONS at once, a direction that holds
// more than MAX_QUEUED_BYTES stops reading its source until it drains, close() ends everything.
import net from 'node:net';

const MAX_CONNECTIONS = 1_000;
const MAX_QUEUED_BYTES = 1024 * 1024;

export interface RoundTripProxy {
	host: string;
	port: number;
	/** The round trip it models, ms; a change applies to what is sent after it. */
	roundTripMs: number;
	/** Connections accepted so far. */
	readonly connections: number;
	close(): Promise<void>;
}

/** Timed actions run in the order they were added, each no earlier than its time. */
class InOrder {
	private queue: Array<{ at: number; run: () => void }> = [];
	private timer: NodeJS.Timeout | undefined;
	private last = 0;

	add(at: number, run: () => void): void {
		// Never before an earlier action: a flight overtakes no other.
		this.last = Math.max(at, this.last);
		this.queue.push({ at: this.last, run });
		if (!this.timer) this.arm();
	}

	clear(): void {
		this.queue = [];
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
	}

	private arm(): void {
		const head = this.queue[0];
		if (!head) return;
		this.timer = setTimeout(() => this.due(), Math.max(0, head.at - performance.now()));
	}

	private due(): void {
		this.timer = undefined;
		// Timers have whole-millisecond precision: what is due within 1 ms runs now.
		const now = performance.now() + 1;
		while (this.queue.length && this.queue[0].at <= now) this.queue.shift()!.run();
		this.arm();
	}
}

/** One direction of a connection: what `source` sends reaches `sink` `delay()` ms later. */
function pipeDelayed(source: net.Socket, sink: () => net.Socket | undefined, flights: InOrder, sentAt: () => number, delay: () => number): void {
	let queuedBytes = 0;
	const maybeResume = () => {
		if (source.isPaused() && queuedBytes + (sink()?.writableLength ?? 0) < MAX_QUEUED_BYTES / 2) source.resume();
	};
	source.on('data', (chunk: Buffer) => {
		queuedBytes += chunk.length;
		if (queuedBytes > MAX_QUEUED_BYTES) source.pause();
		flights.add(sentAt() + delay(), () => {
			queuedBytes -= chunk.length;
			const out = sink();
			if (out && !out.destroyed && !out.writableEnded && !out.write(chunk)) out.once('drain', maybeResume);
			maybeResume();
		});
	});
	source.on('end', () => flights.add(sentAt() + delay(), () => sink()?.end()));
}

export async function startRoundTripProxy(options: { target: { host: string; port: number }; roundTripMs: number; host?: string }): Promise<RoundTripProxy> {
	const sockets = new Set<net.Socket>();
	const schedules = new Set<InOrder>();
	let accepted = 0;
	const proxy: RoundTripProxy = {
		host: options.host ?? '127.0.0.1',
		port: 0,
		roundTripMs: options.roundTripMs,
		get connections() {
			return accepted;
		},
		close: async () => {
			for (const s of schedules) s.clear();
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	const half = () => proxy.roundTripMs / 2;

	const server = net.createServer({ allowHalfOpen: true }, (client) => {
		accepted++;
		const connectedAt = performance.now();
		const rtt = proxy.roundTripMs; // the handshake's, fixed at its start
		const toServer = new InOrder();
		const toClient = new InOrder();
		let upstream: net.Socket | undefined;
		schedules.add(toServer).add(toClient);
		let open = 0;
		const track = (s: net.Socket) => {
			sockets.add(s);
			open++;
			s.on('close', () => {
				sockets.delete(s);
				if (--open > 0) return;
				schedules.delete(toServer);
				schedules.delete(toClient);
			});
		};
		track(client);
		const fail = () => {
			toServer.clear();
			toClient.clear();
			client.destroy();
			upstream?.destroy();
		};
		client.on('error', fail);

		// The SYN arrives: the server accepts. First in the client-to-server order, so before any data.
		toServer.add(connectedAt + rtt / 2, () => {
			if (client.destroyed) return;
			upstream = net.connect({ host: options.target.host, port: options.target.port, allowHalfOpen: true });
			track(upstream);
			upstream.on('error', fail);
			upstream.on('close', () => toClient.add(performance.now() + half(), () => client.end()));
			pipeDelayed(upstream, () => client, toClient, () => performance.now(), half);
		});
		// The client sends once the SYN-ACK is back.
		pipeDelayed(client, () => upstream, toServer, () => Math.max(performance.now(), connectedAt + rtt), half);
		client.on('close', () => toServer.add(performance.now() + half(), () => upstream?.end()));
	});
	server.maxConnections = MAX_CONNECTIONS;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, proxy.host, () => resolve());
	});
	proxy.port = (server.address() as net.AddressInfo).port;
	return proxy;
}
