/**
 * Scoring what a reader of whole numbers answered against the corpus's truth, per family.
 * A picture with no digit is read right only by the no_digit problem; any problem answer
 * reads as no digits at all.
 */

/** What the service said about one picture: the digits it read, or the problem code it answered instead. */
export type ReadAnswer = { readonly text: string } | { readonly code: string };

export interface ReadScore {
  readonly family: string;
  readonly pictures: number;
  /** answers exactly the truth's text (no_digit for a picture with no digit) */
  readonly stringAccuracy: number;
  /** answers with as many digits as the truth (no_digit counts as none) */
  readonly countAccuracy: number;
  /** digits right, position by position, over the pictures with digits whose count is right; null when there are none */
  readonly digitAccuracy: number | null;
  /** answers that are the no_digit problem */
  readonly noDigitRate: number;
}

function readText(answer: ReadAnswer): string {
  return 'text' in answer ? answer.text : '';
}

function isNoDigit(answer: ReadAnswer): boolean {
  return 'code' in answer && answer.code === 'no_digit';
}

function exact(text: string, answer: ReadAnswer): boolean {
  return text === '' ? isNoDigit(answer) : 'text' in answer && answer.text === text;
}

/** Per family, in order of first appearance; `answers[i]` answers `truths[i]`. */
export function scoreReads(
  truths: readonly { readonly family: string; readonly text: string }[],
  answers: readonly ReadAnswer[],
): ReadScore[] {
  if (truths.length !== answers.length) throw new Error(`${answers.length} answers for ${truths.length} pictures`);
  const tallies = new Map<string, { pictures: number; exact: number; count: number; compared: number; right: number; noDigit: number }>();
  truths.forEach(({ family, text }, i) => {
    const answer = answers[i]!;
    const read = readText(answer);
    const t = tallies.get(family) ?? { pictures: 0, exact: 0, count: 0, compared: 0, right: 0, noDigit: 0 };
    t.pictures++;
    if (exact(text, answer)) t.exact++;
    if (read.length === text.length) {
      t.count++;
      t.compared += text.length;
      for (let k = 0; k < text.length; k++) if (read[k] === text[k]) t.right++;
    }
    if (isNoDigit(answer)) t.noDigit++;
    tallies.set(family, t);
  });
  return [...tallies].map(([family, t]) => ({
    family,
    pictures: t.pictures,
    stringAccuracy: t.exact / t.pictures,
    countAccuracy: t.count / t.pictures,
    digitAccuracy: t.compared > 0 ? t.right / t.compared : null,
    noDigitRate: t.noDigit / t.pictures,
  }));
}
