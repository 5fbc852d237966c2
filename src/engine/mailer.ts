/**
 * SMTP for scheduled reports (issue 19): the operator's mail server (`vigil server --smtp-url
 * smtp://user:pass@host:port --smtp-from …`, or VIGIL_SMTP_URL / VIGIL_SMTP_FROM), spoken by
 * nodemailer. The server is the operator's own, so the connection goes through the operator's
 * policy (`TargetPolicy.operator().connect`, as `vigil agent` reaches its server): nodemailer gets
 * the socket the policy opened (`getSocket`) and never resolves or connects itself. `smtp://`
 * upgrades with STARTTLS when the server offers it; `smtps://` is TLS from the start (port 465).
 */
import type { Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { VigilError } from '../model/errors.ts';
import { TargetPolicy } from '../policy/index.ts';

export interface SmtpSettings {
  /** smtp://[user:pass@]host[:port] or smtps://… */
  url: string;
  /** the From address */
  from: string;
  /** false: accept a certificate that does not verify (a test server's self-signed one); default true */
  rejectUnauthorized?: boolean;
}

const Email = z.email();

/**
 * Checks the operator's SMTP settings at start-up.
 * @throws VigilError VIGIL_CONFIG naming the flag and the rule
 */
export function checkSmtpSettings(s: { url?: string; from?: string }): SmtpSettings | undefined {
  if (!s.url && !s.from) return undefined;
  if (!s.url) throw new VigilError('VIGIL_CONFIG', '--smtp-from: needs --smtp-url (or VIGIL_SMTP_URL) too', { input: '--smtp-url', rule: 'required' });
  let u: URL;
  try {
    u = new URL(s.url);
  } catch {
    throw new VigilError('VIGIL_CONFIG', '--smtp-url: must be a URL such as smtp://user:pass@mail.example.com:587', { input: '--smtp-url', rule: 'url' });
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new VigilError('VIGIL_CONFIG', `--smtp-url: scheme must be smtp: or smtps:, not ${u.protocol}`, { input: '--smtp-url', rule: 'scheme' });
  if (!u.hostname) throw new VigilError('VIGIL_CONFIG', '--smtp-url: names no host', { input: '--smtp-url', rule: 'host' });
  const from = s.from ?? (u.username ? decodeURIComponent(u.username) : '');
  if (!Email.safeParse(from).success) throw new VigilError('VIGIL_CONFIG', `--smtp-from: ${JSON.stringify(from)} is not an e-mail address`, { input: '--smtp-from', rule: 'email' });
  return { url: s.url, from };
}

export interface MailMessage { to: string[]; subject: string; html: string; text: string }
export interface MailResult { messageId: string; accepted: string[]; rejected: string[] }

/**
 * Sends one message through the operator's SMTP server.
 * @throws VigilError VIGIL_NETWORK when the server cannot be reached or refuses the message (the
 * password never appears in the message)
 */
export async function sendMail(s: SmtpSettings, msg: MailMessage, opts: { policy?: TargetPolicy; timeoutMs?: number } = {}): Promise<MailResult> {
  const u = new URL(s.url);
  const secure = u.protocol === 'smtps:';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 465 : 587;
  const policy = opts.policy ?? TargetPolicy.operator();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    host, port, secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
    // SNI takes a name, not an address (RFC 6066)
    tls: { ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }), ...(s.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) },
    // the socket comes from the policy; nodemailer never opens one itself (STARTTLS and smtps wrap this socket)
    getSocket: (_options: unknown, callback: (err: Error | null, socketOptions?: { connection: Socket }) => void) => {
      policy.connect(host, port, { timeoutMs, subject: `SMTP server ${host}:${port}` }).then((sock) => callback(null, { connection: sock }), (err: Error) => callback(err));
    },
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    const info = await transport.sendMail({ from: s.from, to: msg.to, subject: msg.subject, html: msg.html, text: msg.text });
    return { messageId: String(info.messageId), accepted: (info.accepted as unknown[]).map(String), rejected: (info.rejected as unknown[]).map(String) };
  } catch (err) {
    if (err instanceof VigilError) throw err;
    const e = err as Error & { responseCode?: number; code?: string };
    const detail = (e.message ?? String(err)).split(u.password || '\0').join('***');
    throw new VigilError('VIGIL_NETWORK', `SMTP server ${host}:${port}: ${e.responseCode ? `${e.responseCode} ` : ''}${detail}`, { input: 'smtp', rule: 'smtp', cause: err });
  } finally {
    transport.close();
  }
}
