/** The call itself: both videos, the controls, the quality indicator, chat and documents. */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Card, Notice } from '../design/index.ts';
import { type ConsultationState, documentUrl, uploadDocument } from './api.ts';
import { type CallMode, CallSession, type CallSnapshot, type ChatMessage } from './call-session.ts';
import { NS } from './i18n/index.ts';
import './teleconsult.css';

function Video({
  stream,
  muted,
  label,
  placeholder,
}: {
  stream?: MediaStream;
  muted?: boolean;
  label: string;
  placeholder?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== (stream ?? null)) ref.current.srcObject = stream ?? null;
  }, [stream]);
  return (
    <div className="call__video">
      <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />
      {placeholder && <div className="call__placeholder">{placeholder}</div>}
      <span className="call__label">{label}</span>
    </div>
  );
}

export function CallView({
  state,
  onEnded,
  onCheckedIn,
  canEnd,
  onEnd,
}: {
  state: ConsultationState;
  onEnded(): void;
  onCheckedIn?(): void;
  canEnd?: boolean;
  onEnd?(): Promise<void>;
}) {
  const { t } = useTranslation(NS);
  const [snapshot, setSnapshot] = useState<CallSnapshot>();
  const [chat, setChat] = useState<ChatMessage[]>(() =>
    state.chat.map((m) => ({ ...m, from: m.from === state.patient.reference ? 'patient' : 'practitioner' })),
  );
  const [documents, setDocuments] = useState(state.documents.map((d) => ({ id: d.id, title: d.title })));
  const [text, setText] = useState('');
  const [uploadFailed, setUploadFailed] = useState(false);
  const session = useRef<CallSession | undefined>(undefined);
  const callbacks = useRef({ onEnded, onCheckedIn });
  callbacks.current = { onEnded, onCheckedIn };

  useEffect(() => {
    const call = new CallSession(state.appointment, state.side, {
      onChange: setSnapshot,
      onChat: (m) => setChat((list) => (list.some((x) => x.id && x.id === m.id) ? list : [...list, m])),
      onDocument: (d) => setDocuments((list) => (list.some((x) => x.id === d.id) ? list : [...list, d])),
      onEnded: () => callbacks.current.onEnded(),
      onCheckedIn: () => callbacks.current.onCheckedIn?.(),
    });
    session.current = call;
    void call.start();
    return () => call.stop();
  }, [state.appointment, state.side]);

  const mode = snapshot?.mode ?? 'video';
  const setMode = (m: CallMode) => void session.current?.setMode(m);
  const sendChat = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    session.current?.sendChat(text.trim());
    setText('');
  };
  const upload = async (file: File | undefined) => {
    if (!file) return;
    setUploadFailed(false);
    try {
      const me = (await (await fetch('/auth/me', { credentials: 'same-origin' })).json()) as {
        csrfToken?: string;
      };
      await uploadDocument(state.appointment, file, me.csrfToken);
    } catch {
      setUploadFailed(true);
    }
  };
  const level = snapshot?.reading?.quality ?? 'none';
  const peerPlaceholder = !snapshot?.peerPresent
    ? t('call.peerAway')
    : snapshot.peerMode !== 'video'
      ? t('call.peerAudio')
      : snapshot.connectionState !== 'connected'
        ? t('room.connecting')
        : undefined;

  return (
    <div className="stack">
      {snapshot?.mediaError && <Notice kind="warning">{t('call.noMedia')}</Notice>}
      {snapshot?.suggestAudio && mode === 'video' && <Notice kind="warning">{t('call.suggestAudio')}</Notice>}
      <div className="call__videos">
        <Video stream={snapshot?.remoteStream} label={t('call.peer')} placeholder={peerPlaceholder} />
        <Video
          stream={snapshot?.localStream}
          muted
          label={t('call.you')}
          placeholder={
            mode !== 'video' ? t(`call.${mode === 'audio' ? 'audioOnly' : 'chatOnly'}`) : undefined
          }
        />
      </div>
      <div className="call__controls">
        <span className="call__quality" role="status" data-testid="call-quality">
          <span className="call__bars" data-level={level} aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {t('call.quality', { level: t(`call.levels.${level}`) })}
        </span>
        {mode === 'video' ? (
          <Button type="button" variant="secondary" small onClick={() => setMode('audio')}>
            {t('call.audioOnly')}
          </Button>
        ) : (
          <Button type="button" variant="secondary" small onClick={() => setMode('video')}>
            {t('call.backToVideo')}
          </Button>
        )}
        {mode !== 'chat' && (
          <Button type="button" variant="secondary" small onClick={() => setMode('chat')}>
            {t('call.chatOnly')}
          </Button>
        )}
        {canEnd && onEnd && (
          <Button type="button" variant="warning" small onClick={() => void onEnd()}>
            {t('call.hangUp')}
          </Button>
        )}
      </div>
      <details>
        <summary>{t('call.details')}</summary>
        <dl
          className="summary-list"
          data-testid="call-stats"
          data-state={snapshot?.connectionState ?? 'new'}
          data-frames={snapshot?.framesDecoded ?? 0}
          data-relayed={String(snapshot?.relayed ?? false)}
          data-mode={mode}
          data-peer-mode={snapshot?.peerMode ?? 'video'}
          data-phase={snapshot?.phase}
          data-peer-present={String(snapshot?.peerPresent ?? false)}
        >
          <div className="summary-list__row">
            <dt>{t('call.state')}</dt>
            <dd>{snapshot?.connectionState ?? '—'}</dd>
          </div>
          <div className="summary-list__row">
            <dt>{t('call.route')}</dt>
            <dd>{snapshot?.relayed ? t('call.relay') : t('call.direct')}</dd>
          </div>
          <div className="summary-list__row">
            <dt>{t('call.rtt')}</dt>
            <dd dir="ltr">{snapshot?.reading?.rttMs ?? '—'} ms</dd>
          </div>
          <div className="summary-list__row">
            <dt>{t('call.loss')}</dt>
            <dd dir="ltr">{snapshot?.reading?.lossPercent ?? 0} %</dd>
          </div>
          <div className="summary-list__row">
            <dt>{t('call.bitrate')}</dt>
            <dd dir="ltr">{snapshot?.reading?.kbps ?? 0} kbit/s</dd>
          </div>
          <div className="summary-list__row">
            <dt>{t('call.frames')}</dt>
            <dd dir="ltr">{snapshot?.framesDecoded ?? 0}</dd>
          </div>
        </dl>
      </details>
      <Card title={t('chat.title')} level={2}>
        {chat.length === 0 ? (
          <p className="empty">{t('chat.empty')}</p>
        ) : (
          <ul className="chat__list" data-testid="chat" aria-live="polite">
            {chat.map((m, i) => (
              <li
                key={m.id ?? i}
                className={m.from === state.side ? 'chat__message chat__message--mine' : 'chat__message'}
              >
                {m.text}
              </li>
            ))}
          </ul>
        )}
        <form className="chat__form" onSubmit={sendChat}>
          <div className="field">
            <label className="field__label" htmlFor="chat-text">
              {t('chat.label')}
            </label>
            <input
              id="chat-text"
              className="input"
              value={text}
              onChange={(e) => setText(e.target.value)}
              maxLength={2000}
            />
          </div>
          <Button small>{t('chat.send')}</Button>
        </form>
      </Card>
      <Card title={t('documents.title')} level={2}>
        {documents.length === 0 ? (
          <p className="empty">{t('documents.none')}</p>
        ) : (
          <ul className="list-plain">
            {documents.map((d) => (
              <li key={d.id}>
                <a href={documentUrl(state.appointment, d.id)}>{d.title}</a>
              </li>
            ))}
          </ul>
        )}
        {uploadFailed && <Notice kind="warning">{t('documents.refused')}</Notice>}
        <div className="field">
          <label className="field__label" htmlFor="document">
            {t('documents.add')}
          </label>
          <input
            id="document"
            type="file"
            accept="application/pdf,image/png,image/jpeg"
            onChange={(e) => void upload(e.target.files?.[0])}
          />
        </div>
      </Card>
    </div>
  );
}
