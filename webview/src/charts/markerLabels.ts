/**
 * Where the "overloaded" labels of the run-queue markers go. A label starts
 * at its marker's left edge, pulled left to stay inside the chart, and is
 * left out when it would run into the label before it: in the narrow
 * sidebar, episodes a few seconds apart would otherwise print their labels
 * on top of each other. Every marker keeps its band and its tooltip.
 */

/** The x of each marker's label, or null for a marker drawn without one. */
export function placeMarkerLabels(lefts: readonly number[], labelWidth: number, chartWidth: number, gap = 6): (number | null)[] {
  let free = -Infinity; // the first x after the last label placed, plus the gap
  return lefts.map((left) => {
    const x = Math.max(0, Math.min(left, chartWidth - labelWidth));
    if (x < free || labelWidth > chartWidth) return null;
    free = x + labelWidth + gap;
    return x;
  });
}
