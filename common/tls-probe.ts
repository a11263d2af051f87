// Why a TLS server is not trusted, asked of the server itself. The Elasticsearch client reports an untrusted
// certificate as a plain connection error with only OpenSSL's text; connecting once more with verification off
// and reading Node's verdict gives the code (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ...).
import net from 'node:net';
import tls from 'node:tls';

/** The verification failure's code, or undefined when the certificate is trusted or the server cannot be reached. */
export function tlsTrustProblem(host: string, port: number, ca: string | undefined, timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () => {
      if (!socket.authorized)
        return done(String((socket.authorizationError as { code?: string } | null)?.code ?? socket.authorizationError));
      const mismatch = tls.checkServerIdentity(host, socket.getPeerCertificate());
      done(mismatch ? ((mismatch as Error & { code?: string }).code ?? mismatch.message) : undefined);
    });
  });
}
