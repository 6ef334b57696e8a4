// HTTPS, as K2 is: a private CA and a server certificate for 127.0.0.1 / localhost, generated
// into the sandbox's data folder on first start and reused after. Node's crypto cannot write
// X.509 certificates, so the sandbox (dev only, never published) runs the openssl CLI. Clients
// trust the CA through NODE_EXTRA_CA_CERTS=<data folder>/tls/ca.pem (read by Node at start-up),
// never by turning certificate checks off.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SandboxTls {
	key: Buffer;
	cert: Buffer;
	/** The CA certificate to trust: NODE_EXTRA_CA_CERTS. */
	caPath: string;
}

export function tlsPaths(dataDir: string): { dir: string; caPath: string } {
	const dir = path.join(dataDir, 'tls');
	return { dir, caPath: path.join(dir, 'ca.pem') };
}

export function ensureTls(dataDir: string): SandboxTls {
	const { dir, caPath } = tlsPaths(dataDir);
	const keyPath = path.join(dir, 'server-key.pem');
	const certPath = path.join(dir, 'server.pem');
	if (!existsSync(caPath) || !existsSync(keyPath) || !existsSync(certPath)) {
		mkdirSync(dir, { recursive: true });
		const caKey = path.join(dir, 'ca-key.pem');
		const csr = path.join(dir, 'server.csr');
		const ext = path.join(dir, 'server.ext');
		const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
		openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caPath, '-days', '825', '-subj', '/CN=K2 sandbox CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
		openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csr, '-subj', '/CN=127.0.0.1');
		writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n');
		openssl('x509', '-req', '-in', csr, '-CA', caPath, '-CAkey', caKey, '-CAcreateserial', '-out', certPath, '-days', '825', '-sha256', '-extfile', ext);
	}
	return { key: readFileSync(keyPath), cert: readFileSync(certPath), caPath };
}
