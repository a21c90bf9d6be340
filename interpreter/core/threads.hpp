#pragma once

#include <type_traits>
#include <utility>

#include "interpreter/core/real.hpp"

namespace yamlnet {

// Sets the threads matrix products and optimizer updates may use; 0 means every core (or OMP_NUM_THREADS when
// it is set). The setting is process-wide. Results are byte-identical for the same build and thread count.
void use_threads(int threads);
// The configured thread count.
int threads_in_use();
// OpenMP keeps the thread count of a product per thread, and a thread the caller started (a server's request
// thread calling the library) begins with OpenMP's default, every core: OpenBLAS would then split each of its
// products over every core, and concurrent callers would oversubscribe the machine. Called on entry by what
// runs on a caller's thread, it makes that thread's products run on it alone, as use_threads() does for the
// thread that called it.
void keep_products_on_calling_thread();

namespace detail {
using Piece = void (*)(void* work, Index index, Index begin, Index count);
// Calls piece(work, index, begin, count) for one contiguous piece of [0, n) per thread (in whole `align`
// steps where possible), on `threads` OpenMP threads; on the calling thread alone when threads is 1. Returns
// the number of pieces.
Index run_pieces(Index n, Index align, int threads, Piece piece, void* work);
// The number of pieces run_pieces makes of [0, n).
Index piece_count(Index n, Index align, int threads);
// Threads worth using for a product of `work` multiply-adds (see kParallelWork in threads.cpp).
int threads_for(double work);
// Threads worth using for an elementwise pass over n values (see kParallelValues in threads.cpp).
int threads_for_values(Index n);
// Threads worth using for arithmetic over n values (see kParallelArithmetic in threads.cpp).
int threads_for_arithmetic(Index n);
}  // namespace detail

// Threads a product of this size would be split over (1: computed whole).
inline int product_threads(Index rows, Index depth, Index cols) {
  return detail::threads_for(static_cast<double>(rows) * static_cast<double>(depth) *
                             static_cast<double>(cols));
}

// Splits a product's result C (rows x cols, summing over depth) into one block per thread and calls
// piece(row0, row_count, col0, col_count) for each: the callback computes its block with a single-threaded
// product (C.block = A.middleRows * B.middleCols). The larger side is split, so the operand every thread
// packs again is the smaller one. Small products run whole on the calling thread: the fork and join (a few
// microseconds with OpenMP's spinning pool) must cost less than half the product.
// Why not BLAS's own threads: OpenBLAS allocates and synchronises per call, which cost more than it saved on
// the batch-32 products of an MLP (2 threads were slower than 1); a split of our own costs one OpenMP fork.
// A parameter's gradient is split by rows (SplitBy::rows), the same contiguous parts as split_elementwise's.
enum class SplitBy { larger_side, rows };
template <class Block>
void split_product(Index rows, Index depth, Index cols, Block&& block, SplitBy by = SplitBy::larger_side) {
  const int threads = product_threads(rows, depth, cols);
  if (threads <= 1) {
    block(Index(0), rows, Index(0), cols);
    return;
  }
  struct Work {
    Block& block;
    Index rows, cols;
  } work{block, rows, cols};
  if (rows > cols || (by == SplitBy::rows && rows >= 16))
    detail::run_pieces(
        rows, 8, threads,
        [](void* w, Index, Index begin, Index count) {
          auto& k = *static_cast<Work*>(w);
          k.block(begin, count, Index(0), k.cols);
        },
        &work);
  else
    detail::run_pieces(
        cols, 16, threads,
        [](void* w, Index, Index begin, Index count) {
          auto& k = *static_cast<Work*>(w);
          k.block(Index(0), k.rows, begin, count);
        },
        &work);
}

// Splits a product over its depth (the summed dimension): piece(index, depth0, depth_count) computes the
// partial product of one contiguous piece of the depth, for piece indices 0 .. product_threads(...) - 1; the
// caller adds the partial results. Each thread then reads only its own rows of the right operand: for a Dense
// layer, the kernel rows that the same thread's share of the gradient product and of the optimizer's update
// wrote (see split_elementwise), so no kernel data moves between cores from step to step. Returns the number
// of pieces (at most product_threads(...)).
template <class Piece>
Index split_depth(Index rows, Index depth, Index cols, Piece&& piece) {
  const int threads = product_threads(rows, depth, cols);
  if (threads <= 1) {
    piece(Index(0), Index(0), depth);
    return 1;
  }
  return detail::run_pieces(
      depth, 8, threads,
      [](void* w, Index index, Index begin, Index count) {
        (*static_cast<std::remove_reference_t<Piece>*>(w))(index, begin, count);
      },
      &piece);
}

namespace detail {
// range(begin, count) over [0, n) in one contiguous piece (of whole `align` steps) per thread.
template <class Range>
void split_range(Index n, Index align, int threads, Range& range) {
  if (threads <= 1) {
    range(Index(0), n);
    return;
  }
  run_pieces(
      n, align, threads,
      [](void* w, Index, Index begin, Index count) { (*static_cast<Range*>(w))(begin, count); }, &range);
}
}  // namespace detail

// An elementwise pass over a parameter's n values (zeroing its gradient): range(begin, count) over [0, n), in
// one contiguous piece per thread when n is large enough. It and split_update split the same way, so each
// thread keeps touching the same part (the rows its share of the gradient product wrote:
// see SplitBy::rows), and the data stays in that core's cache instead of moving between cores every step.
template <class Range>
void split_elementwise(Index n, Range&& range) {
  detail::split_range(n, 16, detail::threads_for_values(n), range);
}

// An optimizer's update of a parameter's n values: the same pieces as split_elementwise's, from the same size
// (see kParallelValues in threads.cpp).
template <class Range>
void split_update(Index n, Range&& range) {
  detail::split_range(n, 16, detail::threads_for_values(n), range);
}

// Row-independent arithmetic over a rows x values_per_row matrix (a batch's gathered rows): range(row0,
// row_count), one contiguous band of rows per thread when there is enough of it.
template <class Range>
void split_rows(Index rows, Index values_per_row, Range&& range) {
  detail::split_range(rows, 1, detail::threads_for_arithmetic(rows * values_per_row), range);
}

// A recurrent layer's time loop over a batch of independent sequences, `work` multiply-adds in all:
// range(band, row0, row_count) runs every step for one contiguous band of rows (of whole 8-row steps) per
// thread; band is 0 .. sequence_bands(rows, work) - 1.
constexpr Index kSequenceBandAlign = 8;
inline Index sequence_bands(Index rows, double work) {
  return detail::piece_count(rows, kSequenceBandAlign, detail::threads_for(work));
}
template <class Range>
void split_sequences(Index rows, double work, Range&& range) {
  const int threads = detail::threads_for(work);
  if (threads <= 1) {
    range(Index(0), Index(0), rows);
    return;
  }
  detail::run_pieces(
      rows, kSequenceBandAlign, threads,
      [](void* w, Index band, Index begin, Index count) {
        (*static_cast<std::remove_reference_t<Range>*>(w))(band, begin, count);
      },
      &range);
}

// A copy of a rows x values_per_row matrix (a batch's gathered rows, a Flatten's output) split by columns:
// range(col0, col_count), one contiguous piece of every row per thread. The pieces are those split_depth and
// a parameter gradient's SplitBy::rows take over as many values (a Dense layer's inputs), so each core copies
// the part of the batch that its share of those products reads, and the batch does not move between cores.
template <class Range>
void split_columns(Index rows, Index values_per_row, Range&& range) {
  detail::split_range(values_per_row, 8, detail::threads_for_arithmetic(rows * values_per_row), range);
}

}  // namespace yamlnet
