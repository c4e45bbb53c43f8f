"""Writes the 12-megapixel JPEG that `vqgan bench --image` is timed on in bench/RESULTS.md:
a golden fixture upscaled to 4000×3000 (bicubic) with seeded noise, so that it carries
photo-like detail, saved by Pillow at quality 90 (4:2:0, baseline; --progressive for the
progressive twin). Run from the repository root with Debian's Pillow and numpy:
    /usr/bin/python3 bench/make_photo.py /tmp/photo_4000x3000.jpg [--progressive]
"""
import sys

import numpy as np
from PIL import Image

SOURCE = "test/fixtures/tiny/golden/lake_in_the_mountains_512x512.png"


def main(out, progressive):
    im = Image.open(SOURCE).convert("RGB").resize((4000, 3000), Image.BICUBIC)
    noisy = np.asarray(im).astype(np.int16) + np.random.default_rng(0).normal(0, 6, (3000, 4000, 3)).astype(np.int16)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(out, quality=90, progressive=progressive)


if __name__ == "__main__":
    main(sys.argv[1], "--progressive" in sys.argv[2:])
