// The current time, advanced with requestAnimationFrame about ten times a second (once a
// second for people who ask for reduced motion), so that drones move smoothly along routes.
import { useEffect, useState } from 'preact/hooks';

export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const step = matchMedia('(prefers-reduced-motion: reduce)').matches ? 1_000 : 100;
    let frame = 0;
    let last = 0;
    const tick = (time: number) => {
      if (time - last >= step) {
        last = time;
        setNow(Date.now());
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, []);
  return now;
}
