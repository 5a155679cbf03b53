;; WebAssembly SIMD kernels of the full-covariance GMM fit (issue #12.3): the E-step's distances,
;; the M-step's weighted sums, gathering and Gram update. Source of gmm-full-kernels-wasm.ts, which
;; `npm run build:wasm` generates from this file (wabt); a unit test checks the two agree.
;; Each kernel performs, lane by lane, EXACTLY the float64 operations of the scalar JavaScript it replaces, in the same order (f64x2 lanes are independent IEEE doubles, no
;; fused multiply-add), so a fit gives bit-identical results with and without WebAssembly
;; (tested in gmm-wasm.test.ts against the JavaScript kernels).
;;
;; Memory is imported: one shared memory per thread that fits mixtures (gmm-wasm.ts), shared
;; with the worker pool's helper threads. Addresses are byte offsets; float64 arrays are
;; 16-byte aligned by the arena.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; mahal: squared Mahalanobis distances ||W (x_i - mu)||^2 of four items (rows i0..i3 of x,
  ;; n x d row-major) under one component: W lower triangular d x d at $w, mu at $mu. $cb is
  ;; scratch of 2 x d f64x2 (items 0,1 interleaved, then items 2,3). The sums of gmm-full-estep.ts
  ;; mahalanobisBlock in its order: s_j = sum_{b<=a} w_ab c_jb per row, then q_j += s_j(a)^2 +
  ;; s_j(a+1)^2 per pair of rows; four rows per pass (each x value feeds four rows of W). Stops once
  ;; q_j > l_j for all four (pruned). Writes q0..q3 at $out.
  ;; Lanes: (item 0, item 1) and (item 2, item 3).
  (func (export "mahal") (param $x i32) (param $mu i32) (param $w i32) (param $cb i32) (param $d i32)
        (param $i0 i32) (param $i1 i32) (param $i2 i32) (param $i3 i32)
        (param $l0 f64) (param $l1 f64) (param $l2 f64) (param $l3 f64) (param $out i32)
    (local $a i32) (local $b i32) (local $e i32) (local $m v128)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $s2a v128) (local $s2b v128) (local $s3a v128) (local $s3b v128) (local $cbB i32)
    (local $w0 v128) (local $w1 v128) (local $v01 v128) (local $v23 v128)
    (local $s0a v128) (local $s0b v128) (local $s1a v128) (local $s1b v128)
    (local $qa v128) (local $qb v128) (local $la v128) (local $lb v128) (local $stride i32)
    (local.set $stride (i32.shl (local.get $d) (i32.const 3)))
    (local.set $i0 (i32.add (local.get $x) (i32.mul (local.get $i0) (local.get $stride))))
    (local.set $i1 (i32.add (local.get $x) (i32.mul (local.get $i1) (local.get $stride))))
    (local.set $i2 (i32.add (local.get $x) (i32.mul (local.get $i2) (local.get $stride))))
    (local.set $i3 (i32.add (local.get $x) (i32.mul (local.get $i3) (local.get $stride))))
    (local.set $cbB (i32.add (local.get $cb) (i32.shl (local.get $d) (i32.const 4))))
    (local.set $la (f64x2.replace_lane 1 (f64x2.splat (local.get $l0)) (local.get $l1)))
    (local.set $lb (f64x2.replace_lane 1 (f64x2.splat (local.get $l2)) (local.get $l3)))
    (local.set $qa (v128.const f64x2 0 0)) (local.set $qb (v128.const f64x2 0 0))
    (local.set $a (i32.const 0))
    (block $stop
    ;; Four rows of W per pass while four remain (same per-row sums and the same additions to q as
    ;; two two-row passes; the all-pruned check then comes every four rows, which changes no result:
    ;; a pruned item's partial sum only grows), then the two-row passes, then an odd last row.
    (block $done4 (loop $loop4
      (br_if $done4 (i32.ge_s (i32.add (local.get $a) (i32.const 3)) (local.get $d)))

      ;; centre columns a .. a+3
      (local.set $e (local.get $a))
      (loop $cent4
        
        (local.set $b (i32.shl (local.get $e) (i32.const 3)))
        (local.set $m (v128.load64_splat (i32.add (local.get $mu) (local.get $b))))
        (v128.store (i32.add (local.get $cb) (i32.shl (local.get $e) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i0) (local.get $b)))) (f64.load (i32.add (local.get $i1) (local.get $b)))) (local.get $m)))
        (v128.store (i32.add (local.get $cbB) (i32.shl (local.get $e) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i2) (local.get $b)))) (f64.load (i32.add (local.get $i3) (local.get $b)))) (local.get $m)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br_if $cent4 (i32.lt_s (local.get $e) (i32.add (local.get $a) (i32.const 4)))))
      (local.set $r0 (i32.add (local.get $w) (i32.mul (local.get $a) (local.get $stride))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
      (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
      (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
      (local.set $s0a (v128.const f64x2 0 0)) (local.set $s0b (v128.const f64x2 0 0)) (local.set $s1a (v128.const f64x2 0 0)) (local.set $s1b (v128.const f64x2 0 0)) (local.set $s2a (v128.const f64x2 0 0)) (local.set $s2b (v128.const f64x2 0 0)) (local.set $s3a (v128.const f64x2 0 0)) (local.set $s3b (v128.const f64x2 0 0))
      (local.set $b (i32.const 0))
      (loop $loopB4
        (local.set $v01 (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4)))))
        (local.set $v23 (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))
        (local.set $w0 (v128.load64_splat (i32.add (local.get $r0) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $w0) (local.get $v23))))
        (local.set $w1 (v128.load64_splat (i32.add (local.get $r1) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $w1) (local.get $v01)))) (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $w1) (local.get $v23))))
        (local.set $w0 (v128.load64_splat (i32.add (local.get $r2) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $s2a (f64x2.add (local.get $s2a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s2b (f64x2.add (local.get $s2b) (f64x2.mul (local.get $w0) (local.get $v23))))
        (local.set $w1 (v128.load64_splat (i32.add (local.get $r3) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.mul (local.get $w1) (local.get $v01)))) (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.mul (local.get $w1) (local.get $v23))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $loopB4 (i32.le_s (local.get $b) (local.get $a))))
      ;; the triangle's corner: b = a+1 for rows a+1..a+3, b = a+2 for rows a+2, a+3, b = a+3 for row a+3
      (local.set $v01 (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4))))) (local.set $v23 (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r1) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $w0) (local.get $v23))))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r2) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s2a (f64x2.add (local.get $s2a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s2b (f64x2.add (local.get $s2b) (f64x2.mul (local.get $w0) (local.get $v23))))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r3) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.mul (local.get $w0) (local.get $v23))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (local.set $v01 (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4))))) (local.set $v23 (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r2) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s2a (f64x2.add (local.get $s2a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s2b (f64x2.add (local.get $s2b) (f64x2.mul (local.get $w0) (local.get $v23))))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r3) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.mul (local.get $w0) (local.get $v01)))) (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.mul (local.get $w0) (local.get $v23))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (local.set $w0 (v128.load64_splat (i32.add (local.get $r3) (i32.shl (local.get $b) (i32.const 3))))) (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.mul (local.get $w0) (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4))))))) (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.mul (local.get $w0) (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))))
      ;; q += s_a^2 + s_(a+1)^2, then q += s_(a+2)^2 + s_(a+3)^2: the two-row passes' order
      (local.set $qa (f64x2.add (local.get $qa) (f64x2.add (f64x2.mul (local.get $s0a) (local.get $s0a)) (f64x2.mul (local.get $s1a) (local.get $s1a)))))
      (local.set $qb (f64x2.add (local.get $qb) (f64x2.add (f64x2.mul (local.get $s0b) (local.get $s0b)) (f64x2.mul (local.get $s1b) (local.get $s1b)))))
      (local.set $qa (f64x2.add (local.get $qa) (f64x2.add (f64x2.mul (local.get $s2a) (local.get $s2a)) (f64x2.mul (local.get $s3a) (local.get $s3a)))))
      (local.set $qb (f64x2.add (local.get $qb) (f64x2.add (f64x2.mul (local.get $s2b) (local.get $s2b)) (f64x2.mul (local.get $s3b) (local.get $s3b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br_if $stop (i32.eqz (v128.any_true (v128.not (v128.and (f64x2.gt (local.get $qa) (local.get $la)) (f64x2.gt (local.get $qb) (local.get $lb)))))))

      (br $loop4)))
    (block $doneA (loop $loopA
      (br_if $doneA (i32.ge_s (i32.add (local.get $a) (i32.const 1)) (local.get $d)))
      ;; centre columns a, a+1 of the four items
      (local.set $e (local.get $a))
      (loop $cent
        (local.set $b (i32.shl (local.get $e) (i32.const 3)))
        (local.set $m (v128.load64_splat (i32.add (local.get $mu) (local.get $b))))
        (v128.store (i32.add (local.get $cb) (i32.shl (local.get $e) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i0) (local.get $b)))) (f64.load (i32.add (local.get $i1) (local.get $b)))) (local.get $m)))
        (v128.store (i32.add (local.get $cbB) (i32.shl (local.get $e) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i2) (local.get $b)))) (f64.load (i32.add (local.get $i3) (local.get $b)))) (local.get $m)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br_if $cent (i32.lt_s (local.get $e) (i32.add (local.get $a) (i32.const 2)))))
      (local.set $r0 (i32.add (local.get $w) (i32.mul (local.get $a) (local.get $stride))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
      (local.set $s0a (v128.const f64x2 0 0)) (local.set $s0b (v128.const f64x2 0 0))
      (local.set $s1a (v128.const f64x2 0 0)) (local.set $s1b (v128.const f64x2 0 0))
      (local.set $b (i32.const 0))
      (loop $loopB
        (local.set $w0 (v128.load64_splat (i32.add (local.get $r0) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $w1 (v128.load64_splat (i32.add (local.get $r1) (i32.shl (local.get $b) (i32.const 3)))))
        (local.set $v01 (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4)))))
        (local.set $v23 (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))
        (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $w0) (local.get $v01))))
        (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $w0) (local.get $v23))))
        (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $w1) (local.get $v01))))
        (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $w1) (local.get $v23))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $loopB (i32.le_s (local.get $b) (local.get $a))))
      ;; row a+1's diagonal term (b = a + 1)
      (local.set $w1 (v128.load64_splat (i32.add (local.get $r1) (i32.shl (local.get $b) (i32.const 3)))))
      (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $w1) (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4)))))))
      (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $w1) (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))))
      (local.set $qa (f64x2.add (local.get $qa) (f64x2.add (f64x2.mul (local.get $s0a) (local.get $s0a)) (f64x2.mul (local.get $s1a) (local.get $s1a)))))
      (local.set $qb (f64x2.add (local.get $qb) (f64x2.add (f64x2.mul (local.get $s0b) (local.get $s0b)) (f64x2.mul (local.get $s1b) (local.get $s1b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 2)))
      (br_if $stop (i32.eqz (v128.any_true (v128.not (v128.and (f64x2.gt (local.get $qa) (local.get $la)) (f64x2.gt (local.get $qb) (local.get $lb)))))))
      (br $loopA)))
    ;; d odd: last row
    (if (i32.eq (local.get $a) (i32.sub (local.get $d) (i32.const 1)))
      (then
        (local.set $b (i32.shl (local.get $a) (i32.const 3)))
        (local.set $m (v128.load64_splat (i32.add (local.get $mu) (local.get $b))))
        (v128.store (i32.add (local.get $cb) (i32.shl (local.get $a) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i0) (local.get $b)))) (f64.load (i32.add (local.get $i1) (local.get $b)))) (local.get $m)))
        (v128.store (i32.add (local.get $cbB) (i32.shl (local.get $a) (i32.const 4)))
          (f64x2.sub (f64x2.replace_lane 1 (f64x2.splat (f64.load (i32.add (local.get $i2) (local.get $b)))) (f64.load (i32.add (local.get $i3) (local.get $b)))) (local.get $m)))
        (local.set $r0 (i32.add (local.get $w) (i32.mul (local.get $a) (local.get $stride))))
        (local.set $s0a (v128.const f64x2 0 0)) (local.set $s0b (v128.const f64x2 0 0))
        (local.set $b (i32.const 0))
        (loop $loopC
          (local.set $w0 (v128.load64_splat (i32.add (local.get $r0) (i32.shl (local.get $b) (i32.const 3)))))
          (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $w0) (v128.load (i32.add (local.get $cb) (i32.shl (local.get $b) (i32.const 4)))))))
          (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $w0) (v128.load (i32.add (local.get $cbB) (i32.shl (local.get $b) (i32.const 4)))))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br_if $loopC (i32.le_s (local.get $b) (local.get $a))))
        (local.set $qa (f64x2.add (local.get $qa) (f64x2.mul (local.get $s0a) (local.get $s0a))))
        (local.set $qb (f64x2.add (local.get $qb) (f64x2.mul (local.get $s0b) (local.get $s0b))))))
    ) ;; $stop
    (v128.store (local.get $out) (local.get $qa))
    (v128.store offset=16 (local.get $out) (local.get $qb))
  )

  ;; gram: c[a*d + b] += sum_r t[r*d + a] * t[r*d + b] for b >= a (the upper triangle), t the m x d
  ;; row-major block at $t, c the d x d matrix at $c. Tiles of 2 rows (a, a+1) x 4 columns
  ;; (b..b+3), then the last columns one at a time, then an odd last diagonal entry: each entry
  ;; sums over r in order from 0 and is then added to c, as linalg.ts accumulateGram does (it reads
  ;; the same block column-major). Lanes: columns (b, b+1) and (b+2, b+3).
  (func $gram (export "gram") (param $t i32) (param $m i32) (param $d i32) (param $c i32)
    (local $a i32) (local $b i32) (local $r i32) (local $p i32) (local $stride i32) (local $cp i32)
    (local $x0 v128) (local $x1 v128) (local $y01 v128) (local $y23 v128)
    (local $s0a v128) (local $s0b v128) (local $s1a v128) (local $s1b v128)
    (local $u0 f64) (local $u1 f64) (local $y f64)
    (local.set $stride (i32.shl (local.get $d) (i32.const 3)))
    (local.set $a (i32.const 0))
    (block $doneA (loop $loopA
      (br_if $doneA (i32.ge_s (i32.add (local.get $a) (i32.const 1)) (local.get $d)))
      (local.set $b (local.get $a))
      (block $doneB (loop $loopB
        (br_if $doneB (i32.ge_s (i32.add (local.get $b) (i32.const 3)) (local.get $d)))
        (local.set $s0a (v128.const f64x2 0 0)) (local.set $s0b (v128.const f64x2 0 0))
        (local.set $s1a (v128.const f64x2 0 0)) (local.set $s1b (v128.const f64x2 0 0))
        (local.set $p (local.get $t))
        (local.set $r (i32.const 0))
        (block $doneR (loop $loopR
          (br_if $doneR (i32.ge_s (local.get $r) (local.get $m)))
          (local.set $x0 (v128.load64_splat (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))))
          (local.set $x1 (v128.load64_splat offset=8 (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))))
          (local.set $y01 (v128.load (i32.add (local.get $p) (i32.shl (local.get $b) (i32.const 3)))))
          (local.set $y23 (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $b) (i32.const 3)))))
          (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $x0) (local.get $y01))))
          (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $x0) (local.get $y23))))
          (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $x1) (local.get $y01))))
          (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $x1) (local.get $y23))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $loopR)))
        ;; c[a][b..b+3] += s0; c[a+1][b..b+3] += s1, except (a+1, a) on the diagonal tile (b == a)
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $d)) (local.get $b)) (i32.const 3))))
        (v128.store (local.get $cp) (f64x2.add (v128.load (local.get $cp)) (local.get $s0a)))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.load offset=16 (local.get $cp)) (local.get $s0b)))
        (local.set $cp (i32.add (local.get $cp) (local.get $stride)))
        (if (i32.gt_s (local.get $b) (local.get $a))
          (then (f64.store (local.get $cp) (f64.add (f64.load (local.get $cp)) (f64x2.extract_lane 0 (local.get $s1a))))))
        (f64.store offset=8 (local.get $cp) (f64.add (f64.load offset=8 (local.get $cp)) (f64x2.extract_lane 1 (local.get $s1a))))
        (v128.store offset=16 (local.get $cp) (f64x2.add (v128.load offset=16 (local.get $cp)) (local.get $s1b)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $loopB)))
      ;; the last columns, one at a time, for rows a and a + 1
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_s (local.get $b) (local.get $d)))
        (local.set $u0 (f64.const 0)) (local.set $u1 (f64.const 0))
        (local.set $p (local.get $t))
        (local.set $r (i32.const 0))
        (block $doneRT (loop $loopRT
          (br_if $doneRT (i32.ge_s (local.get $r) (local.get $m)))
          (local.set $y (f64.load (i32.add (local.get $p) (i32.shl (local.get $b) (i32.const 3)))))
          (local.set $u0 (f64.add (local.get $u0) (f64.mul (f64.load (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))) (local.get $y))))
          (local.set $u1 (f64.add (local.get $u1) (f64.mul (f64.load offset=8 (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))) (local.get $y))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $loopRT)))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $d)) (local.get $b)) (i32.const 3))))
        (f64.store (local.get $cp) (f64.add (f64.load (local.get $cp)) (local.get $u0)))
        (if (i32.gt_s (local.get $b) (local.get $a))
          (then
            (local.set $cp (i32.add (local.get $cp) (local.get $stride)))
            (f64.store (local.get $cp) (f64.add (f64.load (local.get $cp)) (local.get $u1)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $loopT)))
      (local.set $a (i32.add (local.get $a) (i32.const 2)))
      (br $loopA)))
    ;; d odd: the last diagonal entry
    (if (i32.lt_s (local.get $a) (local.get $d))
      (then
        (local.set $u0 (f64.const 0))
        (local.set $p (i32.add (local.get $t) (i32.shl (local.get $a) (i32.const 3))))
        (local.set $r (i32.const 0))
        (block $doneD (loop $loopD
          (br_if $doneD (i32.ge_s (local.get $r) (local.get $m)))
          (local.set $y (f64.load (local.get $p)))
          (local.set $u0 (f64.add (local.get $u0) (f64.mul (local.get $y) (local.get $y))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $loopD)))
        (local.set $cp (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $d)) (local.get $a)) (i32.const 3))))
        (f64.store (local.get $cp) (f64.add (f64.load (local.get $cp)) (local.get $u0)))))
  )

  ;; wsum: component c's responsibility-weighted sum of the rows of x (n x d) into $into (zeroed
  ;; here), over rows with r = resp[i*k + c] >= $minResp, and returns the total responsibility —
  ;; gmm-full-em.ts weightedSum's operations in its order. Lanes: columns (a, a+1).
  (func $wsum (export "wsum") (param $x i32) (param $resp i32) (param $n i32) (param $k i32) (param $c i32) (param $d i32)
        (param $into i32) (param $minResp f64) (result f64)
    (local $i i32) (local $a i32) (local $r f64) (local $nk f64) (local $rv v128) (local $p i32) (local $q i32) (local $rp i32) (local $kb i32)
    (local.set $a (i32.const 0))
    (block $doneZ (loop $loopZ
      (br_if $doneZ (i32.ge_s (local.get $a) (local.get $d)))
      (f64.store (i32.add (local.get $into) (i32.shl (local.get $a) (i32.const 3))) (f64.const 0))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $loopZ)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $rp (i32.add (local.get $resp) (i32.shl (local.get $c) (i32.const 3))))
    (local.set $p (local.get $x))
    (local.set $i (i32.const 0))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $r (f64.load (local.get $rp)))
      (if (i32.eqz (f64.lt (local.get $r) (local.get $minResp)))
        (then
          (local.set $nk (f64.add (local.get $nk) (local.get $r)))
          (local.set $rv (f64x2.splat (local.get $r)))
          (local.set $q (local.get $into))
          (local.set $a (i32.const 0))
          (block $doneA (loop $loopA
            (br_if $doneA (i32.gt_s (i32.add (local.get $a) (i32.const 2)) (local.get $d)))
            (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q))
              (f64x2.mul (local.get $rv) (v128.load (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $a (i32.add (local.get $a) (i32.const 2)))
            (br $loopA)))
          (if (i32.lt_s (local.get $a) (local.get $d))
            (then (f64.store (local.get $q) (f64.add (f64.load (local.get $q))
              (f64.mul (local.get $r) (f64.load (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3)))))))))))
      (local.set $rp (i32.add (local.get $rp) (local.get $kb)))
      (local.set $p (i32.add (local.get $p) (i32.shl (local.get $d) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
    (local.get $nk)
  )

  ;; mscatter: component c's weighted scatter sum r (x - mu)(x - mu)^T (upper triangle) into $scatter
  ;; (zeroed here): rows with r >= $minResp gathered as sqrt(r) * (x - mu) into the m x d row-major
  ;; $block, $cap rows at a time, each full block (and the last part) added by $gram — the
  ;; operations and order of gmm-full-em.ts weightedScatter.
  (func (export "mscatter") (param $x i32) (param $resp i32) (param $n i32) (param $k i32) (param $c i32) (param $d i32)
        (param $mu i32) (param $block i32) (param $cap i32) (param $scatter i32) (param $minResp f64)
    (local $i i32) (local $a i32) (local $m i32) (local $r f64) (local $w v128) (local $p i32) (local $q i32) (local $rp i32) (local $kb i32) (local $db i32)
    (local.set $db (i32.shl (local.get $d) (i32.const 3)))
    (local.set $a (i32.const 0))
    (block $doneZ (loop $loopZ
      (br_if $doneZ (i32.ge_s (local.get $a) (i32.mul (local.get $d) (local.get $d))))
      (f64.store (i32.add (local.get $scatter) (i32.shl (local.get $a) (i32.const 3))) (f64.const 0))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $loopZ)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $rp (i32.add (local.get $resp) (i32.shl (local.get $c) (i32.const 3))))
    (local.set $p (local.get $x))
    (local.set $i (i32.const 0))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $r (f64.load (local.get $rp)))
      (if (i32.eqz (f64.lt (local.get $r) (local.get $minResp)))
        (then
          (local.set $w (f64x2.splat (f64.sqrt (local.get $r))))
          (local.set $q (i32.add (local.get $block) (i32.mul (local.get $m) (local.get $db))))
          (local.set $a (i32.const 0))
          (block $doneA (loop $loopA
            (br_if $doneA (i32.gt_s (i32.add (local.get $a) (i32.const 2)) (local.get $d)))
            (v128.store (i32.add (local.get $q) (i32.shl (local.get $a) (i32.const 3)))
              (f64x2.mul (local.get $w) (f64x2.sub
                (v128.load (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3))))
                (v128.load (i32.add (local.get $mu) (i32.shl (local.get $a) (i32.const 3)))))))
            (local.set $a (i32.add (local.get $a) (i32.const 2)))
            (br $loopA)))
          (if (i32.lt_s (local.get $a) (local.get $d))
            (then (f64.store (i32.add (local.get $q) (i32.shl (local.get $a) (i32.const 3)))
              (f64.mul (f64x2.extract_lane 0 (local.get $w)) (f64.sub
                (f64.load (i32.add (local.get $p) (i32.shl (local.get $a) (i32.const 3))))
                (f64.load (i32.add (local.get $mu) (i32.shl (local.get $a) (i32.const 3)))))))))
          (local.set $m (i32.add (local.get $m) (i32.const 1)))
          (if (i32.eq (local.get $m) (local.get $cap))
            (then
              (call $gram (local.get $block) (local.get $m) (local.get $d) (local.get $scatter))
              (local.set $m (i32.const 0))))))
      (local.set $rp (i32.add (local.get $rp) (local.get $kb)))
      (local.set $p (i32.add (local.get $p) (local.get $db)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
    (if (i32.gt_s (local.get $m) (i32.const 0))
      (then (call $gram (local.get $block) (local.get $m) (local.get $d) (local.get $scatter))))
  )
)
