/**
 * One side of a video consultation in the browser: the camera and microphone, the
 * RTCPeerConnection (ICE servers and time-limited TURN credentials from the platform), the
 * signalling socket (perfect negotiation: the patient is the polite side, the practitioner makes
 * the first offer), the chat, the audio-only and chat-only fallbacks, and the quality readings
 * from getStats every 2 s.
 * Browser-only; the rules it applies (quality) are pure in quality.ts.
 */
import { iceServers, signalUrl } from './api.ts';
import { type QualityReading, readQuality, type StatsSample, shouldSuggestAudio } from './quality.ts';

export type CallMode = 'video' | 'audio' | 'chat';

/**
 * How long a connection may stay unconnected, with the peer present, before this side restarts its
 * negotiation (the practitioner's side first, so that the two restarts do not cross).
 */
const STALL_MS = { practitioner: 12_000, patient: 19_000 } as const;

export interface ChatMessage {
  id?: string;
  from: 'patient' | 'practitioner';
  text: string;
  sent?: string;
}

export interface CallSnapshot {
  phase: 'starting' | 'waiting-peer' | 'connecting' | 'connected' | 'ended';
  mode: CallMode;
  peerMode: CallMode;
  peerPresent: boolean;
  localStream?: MediaStream;
  remoteStream?: MediaStream;
  connectionState: string;
  framesDecoded: number;
  relayed: boolean;
  reading?: QualityReading;
  suggestAudio: boolean;
  mediaError: boolean;
}

export interface CallEvents {
  onChange(snapshot: CallSnapshot): void;
  onChat(message: ChatMessage): void;
  onDocument(document: { id: string; title: string; from: string }): void;
  onEnded(): void;
  onCheckedIn?(): void;
}

export class CallSession {
  private readonly appointment: string;
  private readonly polite: boolean;
  private readonly stallMs: number;
  private readonly events: CallEvents;
  private watchdog?: ReturnType<typeof setTimeout>;
  private socket?: WebSocket;
  private pc?: RTCPeerConnection;
  private ice?: RTCConfiguration;
  private local?: MediaStream;
  private makingOffer = false;
  /** This side is restarting a stalled connection (watch): it offers even before any answer. */
  private restarting = false;
  private ignoreOffer = false;
  private stopped = false;
  private timer?: ReturnType<typeof setInterval>;
  private lastSample?: StatsSample;
  private history: QualityReading['quality'][] = [];
  private wasConnected = false;
  private suggested = false;
  private snapshot: CallSnapshot = {
    phase: 'starting',
    mode: 'video',
    peerMode: 'video',
    peerPresent: false,
    connectionState: 'new',
    framesDecoded: 0,
    relayed: false,
    suggestAudio: false,
    mediaError: false,
  };

  constructor(appointment: string, side: 'patient' | 'practitioner', events: CallEvents) {
    this.appointment = appointment;
    this.polite = side === 'patient';
    this.stallMs = STALL_MS[side];
    this.events = events;
  }

  private update(change: Partial<CallSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    this.events.onChange(this.snapshot);
  }

  async start(): Promise<void> {
    const config = await iceServers(this.appointment);
    this.ice = { iceServers: config.iceServers, iceTransportPolicy: config.iceTransportPolicy };
    try {
      this.local = await navigator.mediaDevices.getUserMedia({
        video: { width: 640, height: 360 },
        audio: true,
      });
    } catch {
      try {
        this.local = await navigator.mediaDevices.getUserMedia({ audio: true });
        this.update({ mode: 'audio', mediaError: true });
      } catch {
        this.update({ mode: 'chat', mediaError: true });
      }
    }
    if (this.stopped) {
      for (const t of this.local?.getTracks() ?? []) t.stop();
      return;
    }
    this.update({ localStream: this.local });
    this.connectSocket();
    this.timer = setInterval(() => void this.sample(), 2000);
  }

  private connectSocket(): void {
    const socket = new WebSocket(signalUrl(this.appointment));
    this.socket = socket;
    socket.onmessage = (event) => void this.onMessage(JSON.parse(String(event.data)));
    socket.onclose = (event) => {
      if (this.stopped || this.socket !== socket) return;
      if (event.code === 1000 || event.code === 4000) return;
      this.report('signalling-lost');
      setTimeout(() => {
        if (!this.stopped) this.connectSocket();
      }, 2000);
    };
    socket.onopen = () => {
      if (this.snapshot.mode !== 'video') this.send({ type: 'mode', mode: this.snapshot.mode });
    };
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private report(code: string, detail?: string): void {
    this.send({ type: 'incident', code, ...(detail ? { detail } : {}) });
  }

  // biome-ignore lint/suspicious/noExplicitAny: a JSON message of the server's protocol (protocol.ts)
  private async onMessage(m: any): Promise<void> {
    switch (m.type) {
      case 'welcome':
        this.update({ phase: m.peerPresent ? 'connecting' : 'waiting-peer', peerPresent: m.peerPresent });
        if (m.peerPresent) this.openPeerOrReport();
        return;
      case 'peer':
        this.update({ peerPresent: m.present, phase: m.present ? 'connecting' : 'waiting-peer' });
        if (m.present) this.openPeerOrReport();
        else this.closePeer();
        return;
      case 'signal':
        return this.onSignal(m.data);
      case 'chat':
        return this.events.onChat({ id: m.id, from: m.from, text: m.text, sent: m.sent });
      case 'mode':
        return this.update({ peerMode: m.mode });
      case 'document':
        return this.events.onDocument(m);
      case 'checked-in':
        return this.events.onCheckedIn?.();
      case 'ended':
        this.update({ phase: 'ended' });
        this.stop();
        return this.events.onEnded();
    }
  }

  private openPeerOrReport(): void {
    try {
      this.openPeer();
    } catch (error) {
      // a connection that cannot even be made (a refused configuration): said, not swallowed
      console.warn('peer connection', error);
      this.report('ice-failed', `peer connection not created: ${(error as Error).message}`.slice(0, 200));
    }
  }

  private openPeer(): void {
    this.closePeer();
    const pc = new RTCPeerConnection(this.ice);
    this.pc = pc;
    this.restarting = false;
    const remote = new MediaStream();
    this.update({ remoteStream: remote });
    pc.ontrack = ({ track }) => {
      remote.addTrack(track);
      this.update({ remoteStream: remote });
    };
    for (const track of this.local?.getTracks() ?? []) {
      if (this.snapshot.mode === 'chat' || (this.snapshot.mode === 'audio' && track.kind === 'video'))
        continue;
      pc.addTrack(track, this.local as MediaStream);
    }
    // receive both kinds even when sending none (audio-only or chat-only side)
    if (!pc.getTransceivers().some((t) => t.receiver.track.kind === 'video'))
      pc.addTransceiver('video', { direction: 'recvonly' });
    if (!pc.getTransceivers().some((t) => t.receiver.track.kind === 'audio'))
      pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.onicecandidate = ({ candidate }) => this.send({ type: 'signal', data: { candidate } });
    pc.onnegotiationneeded = async () => {
      // The practitioner's side makes the first offer; the patient's answers it. When both offered
      // at once, the patient's implicit rollback could leave Chromium's ICE agent gathering for
      // ever without a single candidate — the call never connected, and restarting ICE on that
      // connection did not help (seen in CI, 2026-12-02). The patient offers later renegotiations,
      // and a restart of its own after a stall (watch).
      if (this.polite && !pc.remoteDescription && !this.restarting) return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.send({ type: 'signal', data: { description: pc.localDescription } });
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      this.update({
        connectionState: state,
        phase: state === 'connected' ? 'connected' : this.snapshot.phase,
      });
      if (state === 'connected') {
        if (this.wasConnected) this.report('reconnected');
        this.wasConnected = true;
      }
      if (state === 'disconnected') this.report('disconnected');
      if (state === 'failed') {
        this.report('ice-failed');
        pc.restartIce();
      }
    };
    this.watch(pc);
  }

  /**
   * A connection that never gets going (an offer or answer lost, no usable candidate gathered) would
   * otherwise wait for ever: after `stallMs` without being connected, with the peer present, this
   * side withdraws an unanswered offer and restarts ICE — new credentials, candidates gathered
   * again, a new offer — and says so in the record; then watches again.
   */
  private watch(pc: RTCPeerConnection): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(async () => {
      if (this.stopped || this.pc !== pc || pc.connectionState === 'connected' || !this.snapshot.peerPresent)
        return;
      this.report(
        'ice-failed',
        `not connected after ${this.stallMs / 1000} s (${pc.connectionState}, ${pc.signalingState}, gathering ${pc.iceGatheringState}): restarting`,
      );
      try {
        if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
        this.restarting = true;
        pc.restartIce();
      } catch (error) {
        console.warn('signalling', error);
      }
      if (this.pc === pc) this.watch(pc);
    }, this.stallMs);
  }

  private async onSignal(data: {
    description?: RTCSessionDescriptionInit;
    candidate?: RTCIceCandidateInit | null;
  }) {
    const pc = this.pc;
    if (!pc) return;
    try {
      if (data.description) {
        const collision =
          data.description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
        this.ignoreOffer = !this.polite && collision;
        if (this.ignoreOffer) return;
        await pc.setRemoteDescription(data.description);
        if (data.description.type === 'offer') {
          await pc.setLocalDescription();
          this.send({ type: 'signal', data: { description: pc.localDescription } });
        }
      } else if (data.candidate) {
        try {
          await pc.addIceCandidate(data.candidate);
        } catch (error) {
          if (!this.ignoreOffer) throw error;
        }
      }
    } catch (error) {
      console.warn('signalling', error);
    }
  }

  private closePeer(): void {
    clearTimeout(this.watchdog);
    this.pc?.close();
    this.pc = undefined;
    this.lastSample = undefined;
    this.update({ connectionState: 'closed', remoteStream: undefined });
  }

  /** Video, audio only (camera stopped: its bandwidth freed) or chat only (no media at all). */
  async setMode(mode: CallMode): Promise<void> {
    const pc = this.pc;
    const videoSender = pc
      ?.getSenders()
      .find((s) => s.track?.kind === 'video' || (!s.track && s !== undefined));
    if (mode !== 'video') {
      for (const t of this.local?.getVideoTracks() ?? []) {
        t.stop();
        this.local?.removeTrack(t);
      }
      for (const s of pc?.getSenders() ?? []) if (s.track?.kind === 'video') await s.replaceTrack(null);
    }
    if (mode === 'chat')
      for (const s of pc?.getSenders() ?? []) if (s.track?.kind === 'audio') await s.replaceTrack(null);
    if (mode === 'audio' && this.snapshot.mode === 'chat') {
      const audio = this.local?.getAudioTracks()[0];
      const sender = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'audio')?.sender;
      if (audio && sender) await sender.replaceTrack(audio);
    }
    if (mode === 'video') {
      try {
        const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
        const track = camera.getVideoTracks()[0];
        this.local?.addTrack(track);
        const sender =
          pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender ?? videoSender;
        if (sender) {
          await sender.replaceTrack(track);
          const transceiver = pc?.getTransceivers().find((t) => t.sender === sender);
          if (transceiver && transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv';
        } else if (pc && this.local) pc.addTrack(track, this.local);
        const audio = this.local?.getAudioTracks()[0];
        const audioSender = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'audio')?.sender;
        if (audio && audioSender && !audioSender.track) await audioSender.replaceTrack(audio);
      } catch {
        this.report('media-denied');
        return;
      }
    }
    this.suggested = false;
    this.history = [];
    this.update({ mode, suggestAudio: false, localStream: this.local });
    this.send({ type: 'mode', mode });
  }

  sendChat(text: string): void {
    this.send({ type: 'chat', text });
  }

  private async sample(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const report = await pc.getStats();
    let packetsReceived = 0;
    let packetsLost = 0;
    let bytesReceived = 0;
    let framesDecoded = 0;
    let pairId: string | undefined;
    // biome-ignore lint/suspicious/noExplicitAny: getStats entries differ by type
    const byId = new Map<string, any>();
    // biome-ignore lint/suspicious/noExplicitAny: getStats entries differ by type
    report.forEach((s: any) => {
      byId.set(s.id, s);
      if (s.type === 'inbound-rtp') {
        packetsReceived += s.packetsReceived ?? 0;
        packetsLost += s.packetsLost ?? 0;
        bytesReceived += s.bytesReceived ?? 0;
        if (s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
      }
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? byId.get(pairId) : undefined;
    const localCandidate = pair ? byId.get(pair.localCandidateId) : undefined;
    const current: StatsSample = {
      at: Date.now(),
      rtt: pair?.currentRoundTripTime,
      packetsReceived,
      packetsLost,
      bytesReceived,
      framesDecoded,
      relayed: localCandidate?.candidateType === 'relay',
      connectionState: pc.connectionState,
    };
    const reading = readQuality(this.lastSample, current);
    this.lastSample = current;
    this.history.push(reading.quality);
    const suggest = this.snapshot.mode === 'video' && shouldSuggestAudio(this.history);
    if (suggest && !this.suggested) {
      this.suggested = true;
      this.report('low-bandwidth', `${reading.kbps} kbit/s, ${reading.lossPercent}% loss`);
    }
    this.update({
      reading,
      framesDecoded,
      relayed: current.relayed,
      suggestAudio: suggest || this.snapshot.suggestAudio,
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.watchdog);
    this.pc?.close();
    this.pc = undefined;
    for (const t of this.local?.getTracks() ?? []) t.stop();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
  }
}
