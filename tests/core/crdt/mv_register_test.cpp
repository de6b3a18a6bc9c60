#include "core/crdt/mv_register.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/core/crdt/crdt_generators.hpp"
#include "tests/core/crdt/crdt_properties.hpp"

namespace ff::crdt {
namespace {

using Register = MVRegister<std::string>;
using BytesRegister = MVRegister<Bytes>;

TEST(MVRegister, ConcurrentWritesAreAllKept) {
  Register a;
  Register b;
  const Register from_a = a.write(1, "from a");
  const Register from_b = b.write(2, "from b");
  a.apply(from_b);
  b.apply(from_a);
  const std::vector<std::string> expected = {"from a", "from b"};  // ascending dot order
  EXPECT_EQ(a.values(), expected);
  EXPECT_EQ(b.values(), expected);
  EXPECT_EQ(a, b);
}

TEST(MVRegister, ALaterWriteReplacesTheValuesItSaw) {
  Register a;
  Register b;
  const Register from_a = a.write(1, "x");
  const Register from_b = b.write(2, "y");
  a.apply(from_b);
  const Register later = a.write(1, "z");
  b.apply(from_a);
  b.apply(later);
  EXPECT_EQ(a.values(), std::vector<std::string>{"z"});
  EXPECT_EQ(b.values(), std::vector<std::string>{"z"});
}

TEST(MVRegister, AStaleWriteArrivingLateStaysReplaced) {
  Register a;
  const Register old_write = a.write(1, "old");
  const Register new_write = a.write(1, "new");
  Register b;
  b.apply(new_write);
  b.apply(old_write);  // out of order
  EXPECT_EQ(b.values(), std::vector<std::string>{"new"});
  EXPECT_EQ(a, b);
}

TEST(MVRegister, EqualValuesWrittenConcurrentlyStayTwoWrites) {
  // The register keeps writes, not values: two concurrent writes of one value are two
  // entries until a later write replaces both.
  Register a;
  Register c;
  const Register from_a = a.write(1, "same");
  const Register from_c = c.write(3, "same");
  a.apply(from_c);
  EXPECT_EQ(a.values(), (std::vector<std::string>{"same", "same"}));
  a.write(1, "next");
  EXPECT_EQ(a.values(), std::vector<std::string>{"next"});
  (void)from_a;
}

TEST(MVRegister, ClearEmptiesTheRegisterExceptForUnseenWrites) {
  Register a;
  Register b;
  b.apply(a.write(1, "seen"));
  const Register cleared = b.clear();
  EXPECT_TRUE(b.empty());
  const Register unseen = a.write(1, "unseen");
  b.apply(unseen);
  a.apply(cleared);
  EXPECT_EQ(a.values(), std::vector<std::string>{"unseen"});
  EXPECT_EQ(a, b);
}

FF_CRDT_PROPERTY_TESTS(MVRegisterStringProperties, Register, proptest::mv_op<std::string>(), 300, 40)
FF_CRDT_PROPERTY_TESTS(MVRegisterBytesProperties, BytesRegister, proptest::mv_op<Bytes>(), 150, 40)

}  // namespace
}  // namespace ff::crdt
