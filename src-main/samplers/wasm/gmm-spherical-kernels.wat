;; WebAssembly SIMD kernels of the spherical GMM fit's fused pass (issue #12.3): dot products,
;; log-joints, sufficient statistics. Source of gmm-spherical-kernels-wasm.ts, which
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

  ;; sphdots: out[(i - from)*k + c] = sum_t xc[i*d + t] * mt[t*k + c] for items from..to-1, i.e. the
  ;; dot products x_i . mu_c of gmm-spherical-core.ts sphericalChunk, each summed over t in order
  ;; from 0 (mt is the k x d means transposed to d x k). Lanes: components (c, c+1); eight
  ;; components per sweep over the row, then pairs, then an odd last component.
  (func (export "sphdots") (param $xc i32) (param $mt i32) (param $out i32) (param $from i32) (param $to i32) (param $d i32) (param $k i32)
    (local $i i32) (local $c i32) (local $t i32) (local $row i32) (local $mp i32) (local $kb i32) (local $o i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $u f64)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $o (local.get $out))
    (local.set $i (local.get $from))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_s (local.get $i) (local.get $to)))
      (local.set $row (i32.add (local.get $xc) (i32.shl (i32.mul (local.get $i) (local.get $d)) (i32.const 3))))
      (local.set $c (i32.const 0))
      (block $done8 (loop $loop8
        (br_if $done8 (i32.gt_s (i32.add (local.get $c) (i32.const 8)) (local.get $k)))
        (local.set $a0 (v128.const f64x2 0 0)) (local.set $a1 (v128.const f64x2 0 0))
        (local.set $a2 (v128.const f64x2 0 0)) (local.set $a3 (v128.const f64x2 0 0))
        (local.set $mp (i32.add (local.get $mt) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $t (i32.const 0))
        (block $doneT (loop $loopT
          (br_if $doneT (i32.ge_s (local.get $t) (local.get $d)))
          (local.set $v (v128.load64_splat (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 3)))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $v) (v128.load (local.get $mp)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (v128.load offset=16 (local.get $mp)))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $v) (v128.load offset=32 (local.get $mp)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $v) (v128.load offset=48 (local.get $mp)))))
          (local.set $mp (i32.add (local.get $mp) (local.get $kb)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $loopT)))
        (v128.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $a3))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (br $loop8)))
      (block $done2 (loop $loop2
        (br_if $done2 (i32.gt_s (i32.add (local.get $c) (i32.const 2)) (local.get $k)))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $mp (i32.add (local.get $mt) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $t (i32.const 0))
        (block $doneT2 (loop $loopT2
          (br_if $doneT2 (i32.ge_s (local.get $t) (local.get $d)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 3)))) (v128.load (local.get $mp)))))
          (local.set $mp (i32.add (local.get $mp) (local.get $kb)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $loopT2)))
        (v128.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $a0))
        (local.set $c (i32.add (local.get $c) (i32.const 2)))
        (br $loop2)))
      (if (i32.lt_s (local.get $c) (local.get $k))
        (then
          (local.set $u (f64.const 0))
          (local.set $mp (i32.add (local.get $mt) (i32.shl (local.get $c) (i32.const 3))))
          (local.set $t (i32.const 0))
          (block $doneT1 (loop $loopT1
            (br_if $doneT1 (i32.ge_s (local.get $t) (local.get $d)))
            (local.set $u (f64.add (local.get $u) (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $t) (i32.const 3)))) (f64.load (local.get $mp)))))
            (local.set $mp (i32.add (local.get $mp) (local.get $kb)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $loopT1)))
          (f64.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (local.get $u))))
      (local.set $o (i32.add (local.get $o) (local.get $kb)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
  )

  ;; sphjoint: the log-joints of items from..to-1 from their dot products (sphdots' output at $dots),
  ;; as sphericalChunk computes them: d2 = max(xn[i] - 2 dots + muNorm[e], 0),
  ;; lj[i*k + e] = constant[e] - d2 * halfPrec[e]; and each item's largest into top[i - from]
  ;; (starting from -inf, replaced only by a strictly larger value, so a NaN never becomes it).
  ;; Then the components whose g = lj - top is below -$negligible get responsibility 0 in
  ;; resp[(i - from)*k + e]; the others (g >= -negligible, or NaN) are listed for the caller, which
  ;; takes their exp: live[(i - from)*k + j], j < count[i - from], in component order.
  (func (export "sphjoint") (param $xn i32) (param $dots i32) (param $from i32) (param $to i32) (param $k i32)
        (param $muNorm i32) (param $constant i32) (param $halfPrec i32) (param $lj i32) (param $top i32)
        (param $resp i32) (param $live i32) (param $count i32) (param $negligible f64)
    (local $i i32) (local $e i32) (local $x f64) (local $t f64) (local $v f64) (local $dp i32) (local $lp i32) (local $eb i32)
    (local $c i32) (local $rp i32) (local $lv i32) (local $lim f64)
    (local.set $lim (f64.neg (local.get $negligible)))
    (local.set $rp (local.get $resp))
    (local.set $lv (local.get $live))
    (local.set $dp (local.get $dots))
    (local.set $lp (i32.add (local.get $lj) (i32.shl (i32.mul (local.get $from) (local.get $k)) (i32.const 3))))
    (local.set $i (local.get $from))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_s (local.get $i) (local.get $to)))
      (local.set $x (f64.load (i32.add (local.get $xn) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $t (f64.const -inf))
      (local.set $e (i32.const 0))
      (block $doneE (loop $loopE
        (br_if $doneE (i32.ge_s (local.get $e) (local.get $k)))
        (local.set $eb (i32.shl (local.get $e) (i32.const 3)))
        (local.set $v (f64.sub (f64.load (i32.add (local.get $constant) (local.get $eb)))
          (f64.mul
            (f64.max (f64.add (f64.sub (local.get $x) (f64.mul (f64.const 2) (f64.load (i32.add (local.get $dp) (local.get $eb)))))
                              (f64.load (i32.add (local.get $muNorm) (local.get $eb))))
                     (f64.const 0))
            (f64.load (i32.add (local.get $halfPrec) (local.get $eb))))))
        (f64.store (i32.add (local.get $lp) (local.get $eb)) (local.get $v))
        (if (f64.gt (local.get $v) (local.get $t)) (then (local.set $t (local.get $v))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $loopE)))
      (f64.store (i32.add (local.get $top) (i32.shl (i32.sub (local.get $i) (local.get $from)) (i32.const 3))) (local.get $t))
      (local.set $c (i32.const 0))
      (local.set $e (i32.const 0))
      (block $doneL (loop $loopL
        (br_if $doneL (i32.ge_s (local.get $e) (local.get $k)))
        (local.set $eb (i32.shl (local.get $e) (i32.const 3)))
        (if (f64.lt (f64.sub (f64.load (i32.add (local.get $lp) (local.get $eb))) (local.get $t)) (local.get $lim))
          (then (f64.store (i32.add (local.get $rp) (local.get $eb)) (f64.const 0)))
          (else
            (i32.store (i32.add (local.get $lv) (i32.shl (local.get $c) (i32.const 2))) (local.get $e))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $loopL)))
      (i32.store (i32.add (local.get $count) (i32.shl (i32.sub (local.get $i) (local.get $from)) (i32.const 2))) (local.get $c))
      (local.set $rp (i32.add (local.get $rp) (i32.shl (local.get $k) (i32.const 3))))
      (local.set $lv (i32.add (local.get $lv) (i32.shl (local.get $k) (i32.const 2))))
      (local.set $dp (i32.add (local.get $dp) (i32.shl (local.get $k) (i32.const 3))))
      (local.set $lp (i32.add (local.get $lp) (i32.shl (local.get $k) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
  )

  ;; sphaccum: the spherical M-step's sufficient statistics of items from..to-1, in item order:
  ;; r = resp[(i - from)*k + e] * inv[i - from] (the unnormalised responsibility times the item's
  ;; 1 / sum, as sphericalChunk normalises), and for each component e with r >= $minResp: nk[e] += r,
  ;; sxx[e] += r * xn[i], sx[e*d + t] += r * xc[i*d + t] — sphericalChunk's order exactly.
  ;; Lanes: (t, t+1) of a row; an odd d's last column alone.
  (func (export "sphaccum") (param $xc i32) (param $xn i32) (param $resp i32) (param $inv i32) (param $from i32) (param $to i32) (param $d i32) (param $k i32)
        (param $nk i32) (param $sxx i32) (param $sx i32) (param $minResp f64)
    (local $i i32) (local $e i32) (local $t i32) (local $r f64) (local $rv v128) (local $row i32) (local $dst i32) (local $rp i32)
    (local $p i32) (local $q i32) (local $db i32) (local $iv f64)
    (local.set $db (i32.shl (local.get $d) (i32.const 3)))
    (local.set $rp (local.get $resp))
    (local.set $i (local.get $from))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_s (local.get $i) (local.get $to)))
      (local.set $row (i32.add (local.get $xc) (i32.mul (local.get $i) (local.get $db))))
      (local.set $iv (f64.load (i32.add (local.get $inv) (i32.shl (i32.sub (local.get $i) (local.get $from)) (i32.const 3)))))
      (local.set $e (i32.const 0))
      (block $doneE (loop $loopE
        (br_if $doneE (i32.ge_s (local.get $e) (local.get $k)))
        (local.set $r (f64.mul (f64.load (i32.add (local.get $rp) (i32.shl (local.get $e) (i32.const 3)))) (local.get $iv)))
        (if (i32.eqz (f64.lt (local.get $r) (local.get $minResp)))
          (then
            (local.set $p (i32.add (local.get $nk) (i32.shl (local.get $e) (i32.const 3))))
            (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (local.get $r)))
            (local.set $p (i32.add (local.get $sxx) (i32.shl (local.get $e) (i32.const 3))))
            (f64.store (local.get $p) (f64.add (f64.load (local.get $p))
              (f64.mul (local.get $r) (f64.load (i32.add (local.get $xn) (i32.shl (local.get $i) (i32.const 3)))))))
            (local.set $rv (f64x2.splat (local.get $r)))
            (local.set $dst (i32.add (local.get $sx) (i32.mul (local.get $e) (local.get $db))))
            (local.set $p (local.get $row))
            (local.set $q (local.get $dst))
            (local.set $t (i32.const 0))
            (block $doneT (loop $loopT
              (br_if $doneT (i32.gt_s (i32.add (local.get $t) (i32.const 2)) (local.get $d)))
              (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.mul (local.get $rv) (v128.load (local.get $p)))))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $t (i32.add (local.get $t) (i32.const 2)))
              (br $loopT)))
            (if (i32.lt_s (local.get $t) (local.get $d))
              (then (f64.store (local.get $q) (f64.add (f64.load (local.get $q)) (f64.mul (local.get $r) (f64.load (local.get $p)))))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $loopE)))
      (local.set $rp (i32.add (local.get $rp) (i32.shl (local.get $k) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
  )
)
