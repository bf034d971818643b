/**
 * A trace of a page's WebRTC and signalling, for a call that hangs: every RTCPeerConnection the page
 * creates (numbered), its description calls and state changes, and the signalling socket's messages,
 * kept in `window.__rtcTrace`. Installed before the page's own scripts; it only observes.
 */
import type { BrowserContext, Page } from 'playwright-core';

export async function traceRtc(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const trace: string[] = [];
    const start = performance.now();
    const log = (line: string) => trace.push(`${Math.round(performance.now() - start)} ${line}`);
    (window as unknown as { __rtcTrace: string[] }).__rtcTrace = trace;
    const Native = window.RTCPeerConnection;
    let count = 0;
    class Traced extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const n = ++count;
        log(`pc${n} new`);
        this.addEventListener('signalingstatechange', () => log(`pc${n} signaling ${this.signalingState}`));
        this.addEventListener('connectionstatechange', () =>
          log(`pc${n} connection ${this.connectionState}`),
        );
        this.addEventListener('icegatheringstatechange', () =>
          log(`pc${n} gathering ${this.iceGatheringState}`),
        );
        this.addEventListener('iceconnectionstatechange', () => log(`pc${n} ice ${this.iceConnectionState}`));
        this.addEventListener('icecandidateerror', (e) => {
          const error = e as RTCPeerConnectionIceErrorEvent;
          log(`pc${n} candidate error ${error.errorCode} ${error.errorText} ${error.url}`);
        });
        this.addEventListener('negotiationneeded', () => log(`pc${n} negotiationneeded`));
        const wrap = <K extends 'setLocalDescription' | 'setRemoteDescription' | 'addIceCandidate'>(
          name: K,
        ) => {
          const original = this[name].bind(this) as (...args: unknown[]) => Promise<void>;
          (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
            const what = (args[0] as { type?: string; candidate?: string } | undefined) ?? {};
            const label = what.type ?? (what.candidate !== undefined ? 'candidate' : 'implicit');
            log(`pc${n} ${name}(${label})`);
            return original(...args).then(
              () => log(`pc${n} ${name}(${label}) ok`),
              (error: Error) => {
                log(`pc${n} ${name}(${label}) failed: ${error.message}`);
                throw error;
              },
            );
          };
        };
        wrap('setLocalDescription');
        wrap('setRemoteDescription');
        wrap('addIceCandidate');
        const close = this.close.bind(this);
        this.close = () => {
          log(`pc${n} close()`);
          close();
        };
      }
    }
    window.RTCPeerConnection = Traced as typeof RTCPeerConnection;
    const NativeSocket = window.WebSocket;
    class TracedSocket extends NativeSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const path = new URL(String(url)).pathname;
        if (!path.endsWith('/signal')) return;
        log(`ws open ${path}`);
        this.addEventListener('message', (e) => log(`ws < ${summary(String(e.data))}`));
        this.addEventListener('close', (e) => log(`ws closed ${e.code}`));
        const send = this.send.bind(this);
        this.send = (data) => {
          log(`ws > ${summary(String(data))}`);
          send(data);
        };
      }
    }
    function summary(text: string): string {
      try {
        const m = JSON.parse(text);
        if (m.type !== 'signal') return text.slice(0, 120);
        if (m.data?.description) return `signal ${m.data.description.type}`;
        const candidate: string | undefined = m.data?.candidate?.candidate;
        if (!m.data?.candidate) return 'signal candidate (end)';
        return `signal candidate ${/ typ (\w+)/.exec(candidate ?? '')?.[1] ?? ''} ${candidate?.split(' ')[4] ?? ''}`;
      } catch {
        return text.slice(0, 60);
      }
    }
    window.WebSocket = TracedSocket as typeof WebSocket;
  });
}

export async function readRtcTrace(page: Page): Promise<string> {
  return page
    .evaluate(() => ((window as unknown as { __rtcTrace?: string[] }).__rtcTrace ?? []).join('\n'))
    .catch((error: Error) => `unreadable: ${error.message}`);
}
