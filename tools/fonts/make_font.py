#!/usr/bin/python3
"""Make adapters/draw/fonts/TandemSansCJKSC-Regular.ttf from Debian's Noto Sans CJK.

Run from the repository root with Debian's python3 (python3-fonttools):

    /usr/bin/python3 tools/fonts/make_font.py

Steps (see tools/fonts/README.md for why):
 1. pick the "Noto Sans CJK SC" face out of NotoSansCJK-Regular.ttc;
 2. subset it with pyftsubset to GB2312 + ASCII + Latin-1 + the punctuation
    and symbols the pictures draw (unicodes.txt, written here);
 3. convert its CFF cubic outlines to TrueType quadratic glyf outlines,
    because golang/freetype (used by go-analyze/charts) reads only glyf;
 4. rename the family to "Tandem Sans CJK SC" (the OFL asks modified
    versions not to use the Reserved Font Names).
"""
import os
import subprocess
import sys
import tempfile

from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE = "Noto Sans CJK SC"
OUT = "adapters/draw/fonts/TandemSansCJKSC-Regular.ttf"
FAMILY = "Tandem Sans CJK SC"
POSTSCRIPT = "TandemSansCJKSC-Regular"

# Symbols and punctuation the pictures draw beyond GB2312 (which already has
# most full-width punctuation): dashes, quotes, ellipsis, circled numbers,
# arrows, ticks, shapes, units.
EXTRA = (
    "·—–‒―‘’‚“”„…‰′″※‹›€™℃℉№←↑→↓↔↕⇐⇒⇔∞≈≠≤≥±×÷"
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
    "✓✔✗✘◆◇□■▪▫●○◎◉▲△▼▽►◄▶◀★☆♦"
    "，。：；（）！？、《》〈〉「」『』【】〔〕～￥％＋－＝＜＞／＼｜＠＃＆＊"
    "〇\u3000\u00a0"
)


def code_points():
    cps = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    # Every character of GB2312: its two bytes are 0xA1..0xFE each. The
    # codes GBK assigns in that area beyond GB2312 (small roman numerals,
    # vertical forms, four pinyin letters) are taken too, so that any
    # decoder of the area (Go's x/text has GBK, not GB2312) finds glyphs.
    for hi in range(0xA1, 0xFF):
        for lo in range(0xA1, 0xFF):
            for codec in ("gb2312", "gbk"):
                try:
                    cps.add(ord(bytes([hi, lo]).decode(codec)))
                except UnicodeDecodeError:
                    pass
    cps.update(ord(c) for c in EXTRA)
    return sorted(cps)


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        coll = TTCollection(SRC, lazy=True)
        index = [i for i, f in enumerate(coll.fonts) if f["name"].getDebugName(1) == FACE]
        if len(index) != 1:
            sys.exit(f"no single face {FACE!r} in {SRC}")
        unicodes = os.path.join(tmp, "unicodes.txt")
        with open(unicodes, "w") as f:
            f.write("\n".join("U+%04X" % cp for cp in code_points()))
        subset = os.path.join(tmp, "subset.otf")
        subprocess.run(
            [
                "pyftsubset", SRC, f"--font-number={index[0]}",
                f"--unicodes-file={unicodes}", f"--output-file={subset}",
                "--layout-features=", "--no-hinting", "--desubroutinize",
                "--name-IDs=*", "--notdef-outline",
            ],
            check=True,
        )
        font = TTFont(subset, recalcTimestamp=False)
        to_glyf(font)
        rename(font)
        font.save(OUT)
    print(OUT, os.path.getsize(OUT), "bytes")


def to_glyf(font):
    """Replaces CFF by glyf: each cubic curve approximated by quadratics
    within 1 font unit (1/1000 em), reversed to TrueType's clockwise order."""
    glyph_set = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxPoints", "maxContours",
                 "maxCompositePoints", "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 1
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    glyf.compile(font)  # recalculates bounds before maxp is compiled


def rename(font):
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            rec.string = FAMILY
        elif rec.nameID == 3:
            rec.string = POSTSCRIPT + ";subset of Noto Sans CJK SC 2.004"
        elif rec.nameID == 4:
            rec.string = FAMILY + " Regular"
        elif rec.nameID == 6:
            rec.string = POSTSCRIPT
        elif rec.nameID in (17,):
            rec.string = "Regular"
    name.names = [r for r in name.names if r.nameID not in (18, 21, 22)]
    font["post"].formatType = 3.0  # no glyph names: smaller, golang/freetype ignores them


if __name__ == "__main__":
    main()
