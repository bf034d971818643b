/** The few icons the app draws. Directional ones turn round in Arabic (class icon--directional). */
export function ChevronIcon({ direction = 'back' }: { direction?: 'back' | 'forward' }) {
  return (
    <svg
      className="icon--directional"
      width="16"
      height="16"
      viewBox="0 0 16 16"
      aria-hidden="true"
      focusable="false"
    >
      <path
        d={direction === 'back' ? 'M10.5 2 4.5 8l6 6' : 'M5.5 2l6 6-6 6'}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
      />
    </svg>
  );
}

export function HeartIcon() {
  return (
    <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path d="M16 28s-11-6.6-11-15a6 6 0 0 1 11-3.4A6 6 0 0 1 27 13c0 8.4-11 15-11 15z" fill="#fff" />
      <path d="M8 15h4l2-4 3 8 2-4h5" fill="none" stroke="#005eb8" strokeWidth="2" strokeLinejoin="round" />
    </svg>
  );
}
