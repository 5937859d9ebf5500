// WebP for Jimp under Node.js. @jsquash/webp is libwebp compiled to WebAssembly; left to itself
// it loads its .wasm with fetch(), which Node.js cannot do for a file, so it is given the
// modules compiled from its own files here, once per execution environment (at init).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import encode, { init as initEncoder } from "@jsquash/webp/encode.js";
import decode, { init as initDecoder } from "@jsquash/webp/decode.js";
import { simd } from "wasm-feature-detect";

const dir = createRequire(import.meta.url).resolve("@jsquash/webp/encode.js").replace(/encode\.js$/, "");

async function compile(file) {
  return WebAssembly.compile(await readFile(dir + file));
}

export async function loadWebp() {
  // The encoder picks its SIMD build when the engine has SIMD: give it the matching module.
  await initEncoder(await compile((await simd()) ? "codec/enc/webp_enc_simd.wasm" : "codec/enc/webp_enc.wasm"));
  await initDecoder(await compile("codec/dec/webp_dec.wasm"));
}

// A Jimp format (createJimp({ formats: [..., webpFormat] })).
export function webpFormat() {
  return {
    mime: "image/webp",
    hasAlpha: true,
    encode: async (bitmap, options = {}) => {
      const pixels = { data: new Uint8ClampedArray(bitmap.data), width: bitmap.width, height: bitmap.height };
      return Buffer.from(await encode(pixels, { quality: options.quality ?? 80 }));
    },
    decode: async (data) => {
      const img = await decode(data);
      return { data: Buffer.from(img.data.buffer), width: img.width, height: img.height };
    },
  };
}
