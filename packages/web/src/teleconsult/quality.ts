/**
 * The connection-quality indicator, from two successive getStats() samples: round-trip time,
 * packet loss and the incoming bit rate. Also when to suggest dropping the video. Pure.
 */
export interface StatsSample {
  at: number;
  /** Seconds (RTCIceCandidatePairStats.currentRoundTripTime). */
  rtt?: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
  framesDecoded: number;
  /** The selected pair goes through a TURN relay. */
  relayed: boolean;
  connectionState: string;
}

export type Quality = 'good' | 'fair' | 'poor' | 'none';

export interface QualityReading {
  quality: Quality;
  rttMs?: number;
  lossPercent: number;
  kbps: number;
}

export function readQuality(previous: StatsSample | undefined, current: StatsSample): QualityReading {
  if (current.connectionState !== 'connected') return { quality: 'none', lossPercent: 0, kbps: 0 };
  const seconds = previous ? Math.max((current.at - previous.at) / 1000, 0.001) : 1;
  const received = previous ? current.packetsReceived - previous.packetsReceived : current.packetsReceived;
  const lost = previous ? current.packetsLost - previous.packetsLost : current.packetsLost;
  const lossPercent = received + lost > 0 ? Math.max(0, (100 * lost) / (received + lost)) : 0;
  const kbps = previous
    ? Math.max(0, ((current.bytesReceived - previous.bytesReceived) * 8) / 1000 / seconds)
    : 0;
  const rttMs = current.rtt === undefined ? undefined : Math.round(current.rtt * 1000);
  let quality: Quality = 'good';
  if ((rttMs ?? 0) > 400 || lossPercent > 5) quality = 'fair';
  if ((rttMs ?? 0) > 1000 || lossPercent > 15 || (previous && received === 0)) quality = 'poor';
  return {
    quality,
    ...(rttMs === undefined ? {} : { rttMs }),
    lossPercent: Math.round(lossPercent * 10) / 10,
    kbps: Math.round(kbps),
  };
}

/** Suggest audio only after this many poor readings in a row (one reading every 2 s). */
export const POOR_READINGS_BEFORE_SUGGESTING = 3;

export function shouldSuggestAudio(history: Quality[]): boolean {
  const recent = history.slice(-POOR_READINGS_BEFORE_SUGGESTING);
  return recent.length === POOR_READINGS_BEFORE_SUGGESTING && recent.every((q) => q === 'poor');
}
