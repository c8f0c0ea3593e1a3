/**
 * What the classes of a trained network mean, and how the service should turn a picture into its
 * input. Both go into the weights' metadata (keys `labels` and `profile`) only when they differ
 * from the defaults, so that the default recipe keeps writing the same bytes as the shipped file.
 */

/** Named label sets of `--labels`: each class's name, in class order. */
export const LABEL_SETS = {
  digits: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  /** the official Fashion-MNIST class names (Xiao, Rasul & Vollgraf 2017), in label order */
  fashion: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
} as const satisfies Record<string, readonly string[]>;
export type LabelSetName = keyof typeof LABEL_SETS;

/**
 * How the service prepares a picture for the network: `digits` is MNIST's normalisation (ink
 * box, centre of mass) and the no-digit rule; `plain` only decodes, greys, resizes, divides by
 * 255 and fixes the polarity.
 */
export const PROFILES = ['digits', 'plain'] as const;
export type TrainingProfile = (typeof PROFILES)[number];

export const DEFAULT_LABELS: readonly string[] = LABEL_SETS.digits;
export const DEFAULT_PROFILE: TrainingProfile = 'digits';

export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/**
 * The metadata keys a run adds: none when both are the defaults (undefined counts as the
 * default), else both, so that the file says all of it: `labels`, a JSON array of strings, and
 * `profile`, the profile's name.
 */
export function labelMetadata(labels: readonly string[] | undefined, profile: TrainingProfile | undefined): Record<string, string> {
  const l = labels ?? DEFAULT_LABELS;
  const p = profile ?? DEFAULT_PROFILE;
  if (sameLabels(l, DEFAULT_LABELS) && p === DEFAULT_PROFILE) return {};
  return { labels: JSON.stringify(l), profile: p };
}
