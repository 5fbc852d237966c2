/**
 * Pieces the Targets and Organization pages share: a copy button, a confirmation dialog for
 * destructive actions, and the "shown once" panel for keys and secrets the server will not show again.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ErrorMessage } from '../common.tsx';

/**
 * Copies text to the clipboard. The Clipboard API needs a secure context (https or localhost);
 * over plain http elsewhere the text is copied through a hidden selection instead.
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection copy
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <>
      <button type="button" className="copy" aria-label={`Copy ${label}`} onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="visually-hidden" role="status">{state === 'copied' ? `${label} copied` : state === 'failed' ? `could not copy ${label}; select it and copy by hand` : ''}</span>
    </>
  );
}

/** A value to copy: read-only, selectable, monospace, with its copy button. */
export function CopyField({ label, value, multiline }: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline
          ? <textarea id={id} className="mono" readOnly rows={Math.min(12, Math.max(2, value.split('\n').length))} value={value} onFocus={(e) => e.currentTarget.select()} />
          : <input id={id} className="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />}
        <CopyButton text={value} label={label} />
      </div>
    </div>
  );
}

/**
 * What the server shows once (a new API key, a registry's notification token): a warning that it
 * cannot be shown again, the values to copy, and a button to put it away.
 */
export function ShownOnce({ title, children, onDone, doneLabel = 'I have stored it', level = 2 }: { title: string; children: ReactNode; onDone: () => void; doneLabel?: string; level?: 2 | 3 | 4 }) {
  const id = useId();
  const H = `h${level}` as const;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <section className="card shown-once" aria-labelledby={id} ref={ref} tabIndex={-1}>
      <H id={id}>{title}</H>
      <p className="once-warning"><strong>Shown once.</strong> Copy it now: Vigil keeps only a sealed copy or a hash and will never show it again. If it is lost, create a new one.</p>
      {children}
      <div className="form-actions">
        <button type="button" className="primary" onClick={onDone}>{doneLabel}</button>
      </div>
    </section>
  );
}

/**
 * A button that asks first: opens a modal dialog describing the consequence; the action runs on
 * "Confirm", and its error (as the server words it) stays in the dialog.
 */
export function ConfirmButton({ label, title, children, confirmLabel, onConfirm, danger = true, className }: {
  label: ReactNode;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const open = () => {
    setError(null);
    dialog.current?.showModal();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={className ?? (danger ? 'danger' : undefined)} onClick={open}>{label}</button>
      <dialog ref={dialog} aria-labelledby={`${id}-t`} className="confirm">
        <h2 id={`${id}-t`}>{title}</h2>
        <div className="confirm-body">{children}</div>
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>Cancel</button>
          <button type="button" className={danger ? 'danger-solid' : 'primary'} onClick={() => void confirm()} disabled={busy}>{busy ? 'Working…' : confirmLabel}</button>
        </div>
      </dialog>
    </>
  );
}

/** A short-lived message after an action ("Poll queued"), announced to screen readers. */
export function useNotice(): [ReactNode, (msg: string | null) => void] {
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    if (!msg) return;
    const t = setTimeout(() => setMsg(null), 8000);
    return () => clearTimeout(t);
  }, [msg]);
  return [<p key="notice" className={msg ? 'notice' : 'visually-hidden'} role="status">{msg ?? ''}</p>, setMsg];
}
