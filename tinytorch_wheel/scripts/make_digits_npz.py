"""Regenerate ``src/tinytorch/utils/digits.npz`` from the digits CSV that scikit-learn ships.

The 8x8 digits are the test part of the UCI ML repository's "Optical Recognition of Handwritten
Digits" (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0): 1,797 images, 64 pixels each with values
0..16, and a label 0..9. scikit-learn's wheel carries them as ``sklearn/datasets/data/digits.csv.gz``
(65 comma-separated integers per row, the label last). To rebuild the file, from
``tinytorch_wheel/``::

    pip download scikit-learn==1.9.1 --no-deps -d /tmp/sk
    unzip -o /tmp/sk/scikit_learn-1.9.1-*.whl sklearn/datasets/data/digits.csv.gz -d /tmp/sk
    python scripts/make_digits_npz.py /tmp/sk/sklearn/datasets/data/digits.csv.gz

The output is byte-for-byte the same on every run (fixed split, fixed zip timestamps), so a
rebuild shows up in git only if the data changed.

The split is a stratified 80/20 split with exactly 360 test images: each digit gives 20 % of its
images to the test set, rounded so the counts add up to 360 (largest remainders first, ties to the
smaller digit), and which images go is drawn with a fixed seed. Pixels are stored as uint8 (0..16)
and labels as uint8; ``load_digits()`` converts them to float32 in [0, 1] and int64.
"""

import argparse
import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

CSV_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"  # scikit-learn 1.9.1
N_TEST = 360
SEED = 0
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "tinytorch" / "utils" / "digits.npz"


def read_csv(path):
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CSV_SHA256:
        raise SystemExit(f"{path}: sha256 {digest} is not the digits.csv.gz of scikit-learn 1.9.1")
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",")
    images, labels = table[:, :64], table[:, 64]
    if table.shape != (1797, 65) or images.min() < 0 or images.max() > 16:
        raise SystemExit(f"{path}: unexpected content (shape {table.shape})")
    return images.astype(np.uint8), labels.astype(np.uint8)


def per_class_test_counts(labels, n_test):
    """How many images of each class go to the test set: proportional, summing to ``n_test``."""
    counts = np.bincount(labels)
    share = counts * n_test / counts.sum()
    result = np.floor(share).astype(int)
    remainders = share - result
    order = sorted(range(len(counts)), key=lambda c: (-remainders[c], c))
    for c in order[: n_test - result.sum()]:
        result[c] += 1
    return result


def split(labels):
    rng = np.random.default_rng(SEED)
    test = []
    for digit, n in enumerate(per_class_test_counts(labels, N_TEST)):
        members = np.flatnonzero(labels == digit)
        test.extend(rng.choice(members, size=n, replace=False))
    test = np.sort(np.array(test))
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test


def write_npz(path, arrays):
    """Like ``np.savez_compressed``, but with fixed timestamps, so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1998, 7, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", help="path to sklearn/datasets/data/digits.csv.gz")
    parser.add_argument("--output", default=OUTPUT, type=Path)
    args = parser.parse_args()
    images, labels = read_csv(args.csv)
    train, test = split(labels)
    write_npz(args.output, {
        "X_train": images[train], "y_train": labels[train],
        "X_test": images[test], "y_test": labels[test],
    })
    print(f"wrote {args.output}: {len(train)} train / {len(test)} test images, "
          f"{args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
