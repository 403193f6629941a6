;; Per-bucket minimum and maximum of little-endian PCM samples, four to sixteen samples per
;; instruction with 128-bit SIMD. Buckets lie back to back from `src`; results go to `out` as
;; (lo, hi) pairs: i32 for integer formats (the sample value), f32 for float.
;; Loads read up to 4 bytes past a bucket's last whole vector: the caller leaves 16 bytes of slack.
(module
  (memory (export "memory") 1)

  ;; Smallest and largest lane of a vector of i32.
  (func $min_i32x4 (param $v v128) (result i32)
    (local.set $v (i32x4.min_s (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (i32x4.min_s (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (i32x4.extract_lane 0 (local.get $v)))
  (func $max_i32x4 (param $v v128) (result i32)
    (local.set $v (i32x4.max_s (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (i32x4.max_s (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (i32x4.extract_lane 0 (local.get $v)))

  ;; 24-bit: four samples per 12 bytes, each swizzled into the top three bytes of an i32 lane
  ;; (low byte zero), which keeps the sign and the order; '>> 8' at the end gives the value.
  (func (export "extremes24") (param $src i32) (param $n i32) (param $bb i32) (param $out i32)
    (local $b i32) (local $o i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128) (local $s i32) (local $l i32) (local $h i32)
    (block $done (loop $buckets
      (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $o (i32.add (local.get $src) (i32.mul (local.get $b) (local.get $bb))))
      (local.set $end (i32.add (local.get $o) (local.get $bb)))
      (local.set $lo (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
      (local.set $hi (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (i32.add (local.get $o) (i32.const 12)) (local.get $end)))
        (local.set $v (i8x16.swizzle (v128.load (local.get $o)) (v128.const i8x16 0x80 0 1 2 0x80 3 4 5 0x80 6 7 8 0x80 9 10 11)))
        (local.set $lo (i32x4.min_s (local.get $lo) (local.get $v)))
        (local.set $hi (i32x4.max_s (local.get $hi) (local.get $v)))
        (local.set $o (i32.add (local.get $o) (i32.const 12)))
        (br $vl)))
      (local.set $l (call $min_i32x4 (local.get $lo)))
      (local.set $h (call $max_i32x4 (local.get $hi)))
      (block $td (loop $tl
        (br_if $td (i32.gt_u (i32.add (local.get $o) (i32.const 3)) (local.get $end)))
        (local.set $s (i32.or (i32.or (i32.shl (i32.load8_u (local.get $o)) (i32.const 8))
                                      (i32.shl (i32.load8_u offset=1 (local.get $o)) (i32.const 16)))
                              (i32.shl (i32.load8_u offset=2 (local.get $o)) (i32.const 24))))
        (if (i32.lt_s (local.get $s) (local.get $l)) (then (local.set $l (local.get $s))))
        (if (i32.gt_s (local.get $s) (local.get $h)) (then (local.set $h (local.get $s))))
        (local.set $o (i32.add (local.get $o) (i32.const 3)))
        (br $tl)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (i32.shr_s (local.get $l) (i32.const 8)))
      (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (i32.shr_s (local.get $h) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $buckets))))

  ;; 16-bit: eight samples per vector.
  (func (export "extremes16") (param $src i32) (param $n i32) (param $bb i32) (param $out i32)
    (local $b i32) (local $o i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128) (local $s i32) (local $l i32) (local $h i32)
    (block $done (loop $buckets
      (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $o (i32.add (local.get $src) (i32.mul (local.get $b) (local.get $bb))))
      (local.set $end (i32.add (local.get $o) (local.get $bb)))
      (local.set $lo (v128.const i16x8 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff 0x7fff))
      (local.set $hi (v128.const i16x8 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000 0x8000))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $o)))
        (local.set $lo (i16x8.min_s (local.get $lo) (local.get $v)))
        (local.set $hi (i16x8.max_s (local.get $hi) (local.get $v)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $vl)))
      (local.set $l (call $min_i32x4 (i32x4.min_s (i32x4.extend_low_i16x8_s (local.get $lo)) (i32x4.extend_high_i16x8_s (local.get $lo)))))
      (local.set $h (call $max_i32x4 (i32x4.max_s (i32x4.extend_low_i16x8_s (local.get $hi)) (i32x4.extend_high_i16x8_s (local.get $hi)))))
      (block $td (loop $tl
        (br_if $td (i32.gt_u (i32.add (local.get $o) (i32.const 2)) (local.get $end)))
        (local.set $s (i32.load16_s (local.get $o)))
        (if (i32.lt_s (local.get $s) (local.get $l)) (then (local.set $l (local.get $s))))
        (if (i32.gt_s (local.get $s) (local.get $h)) (then (local.set $h (local.get $s))))
        (local.set $o (i32.add (local.get $o) (i32.const 2)))
        (br $tl)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (local.get $l))
      (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (local.get $h))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $buckets))))

  ;; 32-bit float: four samples per vector. pmin/pmax keep the accumulator when the sample is
  ;; NaN, like the scalar 'if (v < lo) lo = v' they replace.
  (func $min_f32x4 (param $v v128) (result f32)
    (local.set $v (f32x4.pmin (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (f32x4.pmin (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (f32x4.extract_lane 0 (local.get $v)))
  (func $max_f32x4 (param $v v128) (result f32)
    (local.set $v (f32x4.pmax (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (f32x4.pmax (local.get $v) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (f32x4.extract_lane 0 (local.get $v)))
  (func (export "extremesF32") (param $src i32) (param $n i32) (param $bb i32) (param $out i32)
    (local $b i32) (local $o i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128) (local $s f32) (local $l f32) (local $h f32)
    (block $done (loop $buckets
      (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $o (i32.add (local.get $src) (i32.mul (local.get $b) (local.get $bb))))
      (local.set $end (i32.add (local.get $o) (local.get $bb)))
      (local.set $lo (f32x4.splat (f32.const inf)))
      (local.set $hi (f32x4.splat (f32.const -inf)))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $o)))
        (local.set $lo (f32x4.pmin (local.get $lo) (local.get $v)))
        (local.set $hi (f32x4.pmax (local.get $hi) (local.get $v)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $vl)))
      (local.set $l (call $min_f32x4 (local.get $lo)))
      (local.set $h (call $max_f32x4 (local.get $hi)))
      (block $td (loop $tl
        (br_if $td (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $end)))
        (local.set $s (f32.load (local.get $o)))
        (if (f32.lt (local.get $s) (local.get $l)) (then (local.set $l (local.get $s))))
        (if (f32.gt (local.get $s) (local.get $h)) (then (local.set $h (local.get $s))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $tl)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (local.get $l))
      (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (local.get $h))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $buckets))))
)
