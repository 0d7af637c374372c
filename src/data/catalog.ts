// What the engine knows about each supported dataset: its name, image shape,
// per-channel normalisation constants (training-set statistics) and the
// augmentation `--augment auto` picks. Pure data; web-standard.
import { ShrinkError } from "../engine/errors.js";
import type { ImageLabelSet } from "./idx.js";

export const DATASET_NAMES = ["fashion-mnist", "mnist", "cifar10", "cifar100"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Per-channel normalisation (x/255 − mean[c])/std[c]. */
export interface ChannelNorm {
  mean: number[];
  std: number[];
}

export interface DatasetInfo {
  channels: number;
  height: number;
  width: number;
  classes: number;
  /** Per-channel mean and std of the training set, pixels scaled to [0, 1]. */
  norm: ChannelNorm;
}

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  "fashion-mnist": { channels: 1, height: 28, width: 28, classes: 10, norm: { mean: [0.2860], std: [0.3530] } },
  mnist: { channels: 1, height: 28, width: 28, classes: 10, norm: { mean: [0.1307], std: [0.3081] } },
  cifar10: { channels: 3, height: 32, width: 32, classes: 10, norm: { mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616] } },
  cifar100: { channels: 3, height: 32, width: 32, classes: 100, norm: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] } },
};

export const AUGMENT_KINDS = ["none", "flip", "crop", "crop+flip", "auto"] as const;
export type AugmentKind = (typeof AUGMENT_KINDS)[number];

/** Resolved augmentation: random crop with `pad` zero pixels each side (0: no crop), horizontal flip with p = 0.5. */
export interface AugmentSpec {
  pad: number;
  flip: boolean;
}

/** The crop padding for an h×w image: ⌊min(h, w)/8⌋, at least 1 (4 for 32×32, 3 for 28×28). */
export const cropPad = (height: number, width: number): number => Math.max(1, Math.floor(Math.min(height, width) / 8));

/**
 * What `kind` means for a dataset of h×w images: auto is crop+flip for CIFAR and
 * none for (Fashion-)MNIST. Returns undefined for no augmentation.
 */
export function resolveAugment(kind: AugmentKind, dataset: DatasetName, height: number, width: number): AugmentSpec | undefined {
  const k = kind === "auto" ? (dataset === "cifar10" || dataset === "cifar100" ? "crop+flip" : "none") : kind;
  switch (k) {
    case "none":
      return undefined;
    case "flip":
      return { pad: 0, flip: true };
    case "crop":
      return { pad: cropPad(height, width), flip: false };
    case "crop+flip":
      return { pad: cropPad(height, width), flip: true };
    default:
      throw new ShrinkError("E_ARG", `augment: ${String(kind)} is not allowed (one of ${AUGMENT_KINDS.join(", ")})`);
  }
}

/**
 * The dataset a set most likely is when none was named: 3 channels → CIFAR-100
 * with 100 classes, else CIFAR-10; 1 channel → Fashion-MNIST (MNIST cannot be
 * told apart from it and must be named).
 */
export function guessDataset(set: Pick<ImageLabelSet, "channels" | "numClasses">): DatasetName {
  if (set.channels === 1) return "fashion-mnist";
  if (set.channels === 3) return set.numClasses === 100 ? "cifar100" : "cifar10";
  throw new ShrinkError(
    "E_DATA_SHAPE",
    `images with ${set.channels} channels match no known dataset (1 channel: ${DATASET_NAMES.slice(0, 2).join(", ")}; 3: cifar10, cifar100); name the dataset`,
  );
}

/** The normalisation for a dataset, checked against the set's channel count. */
export function datasetNorm(name: DatasetName, set: Pick<ImageLabelSet, "channels">): ChannelNorm {
  const info = DATASETS[name];
  if (!info) throw new ShrinkError("E_ARG", `dataset: ${String(name)} is not allowed (one of ${DATASET_NAMES.join(", ")})`);
  if (info.channels !== set.channels) {
    throw new ShrinkError(
      "E_DATA_SHAPE",
      `dataset ${name}: its images have ${info.channels} channel${info.channels === 1 ? "" : "s"} but the data has ${set.channels}`,
      { param: "dataset" },
    );
  }
  return info.norm;
}
