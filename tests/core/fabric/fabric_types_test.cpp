// The vocabulary functions of fabric_types.hpp: names, parsers, validators, Op builders.
#include "core/fabric/fabric_types.hpp"

#include <gtest/gtest.h>

namespace ff::fabric {
namespace {

TEST(FabricTypes, SyncTopicNamesTheProgram) { EXPECT_EQ(sync_topic("Alpha"), "fabric/Alpha/sync"); }

TEST(FabricTypes, ProgramIdsAreShortAndPlain) {
  EXPECT_TRUE(validate_program_id("Alpha").ok());
  EXPECT_TRUE(validate_program_id("a.b_c-9").ok());
  EXPECT_TRUE(validate_program_id(std::string(kMaxProgramIdBytes, 'x')).ok());
  EXPECT_FALSE(validate_program_id("").ok());
  EXPECT_FALSE(validate_program_id(std::string(kMaxProgramIdBytes + 1, 'x')).ok());
  auto slash = validate_program_id("a/b");
  ASSERT_FALSE(slash.ok());
  EXPECT_NE(slash.error().message.find("'/'"), std::string::npos) << slash.error().message;
  EXPECT_FALSE(validate_program_id(std::string("a\0b", 3)).ok());
}

TEST(FabricTypes, ObjectNamesArePrintableWithoutOuterSlashes) {
  EXPECT_TRUE(validate_object_name("doc/title").ok());
  EXPECT_TRUE(validate_object_name("a b").ok());
  EXPECT_FALSE(validate_object_name("").ok());
  EXPECT_FALSE(validate_object_name("/doc").ok());
  EXPECT_FALSE(validate_object_name("doc/").ok());
  EXPECT_FALSE(validate_object_name("tab\there").ok());
  EXPECT_FALSE(validate_object_name("caf\xC3\xA9").ok());
  EXPECT_FALSE(validate_object_name(std::string(kMaxObjectNameBytes + 1, 'n')).ok());
  EXPECT_TRUE(validate_object_name(std::string(kMaxObjectNameBytes, 'n')).ok());
}

TEST(FabricTypes, NamesAndParsersAreInverse) {
  for (const Sovereignty s : {Sovereignty::kAuthority, Sovereignty::kCitizen, Sovereignty::kEphemeral}) {
    EXPECT_EQ(*parse_sovereignty(sovereignty_name(s)), s);
  }
  for (const ObjectKind k :
       {ObjectKind::kCounter, ObjectKind::kSet, ObjectKind::kMap, ObjectKind::kList, ObjectKind::kText}) {
    EXPECT_EQ(*parse_object_kind(object_kind_name(k)), k);
  }
  EXPECT_FALSE(parse_sovereignty("Authority").ok());
  EXPECT_FALSE(parse_object_kind("string").ok());
  EXPECT_STREQ(event_kind_name(EventKind::kWriteDone), "write_done");
}

TEST(FabricTypes, DurabilityParsesExactlyTheDocumentedForms) {
  for (const DurabilityPolicy p : {DurabilityPolicy::local(), DurabilityPolicy::quorum(2),
                                   DurabilityPolicy::strict_quorum(17), DurabilityPolicy::leader()}) {
    auto parsed = parse_durability(durability_name(p));
    ASSERT_TRUE(parsed.ok()) << durability_name(p);
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(durability_name(DurabilityPolicy::quorum(2)), "quorum(2)");
  EXPECT_EQ(*parse_durability("quorum(4294967295)"), DurabilityPolicy::quorum(4294967295u));
  for (const char* bad :
       {"quorum(0)", "quorum()", "quorum(2", "quorum(02)", "quorum(-1)", "quorum(4294967296)", "quorum( 2)",
        "Quorum(2)", "strict_quorum", "leader(1)", ""}) {
    EXPECT_FALSE(parse_durability(bad).ok()) << bad;
  }
}

TEST(FabricTypes, OpBuildersFillKindActionAndFields) {
  const Op put = Op::map_put("m", "k", "v");
  EXPECT_EQ(put.kind, ObjectKind::kMap);
  EXPECT_EQ(put.action, Op::Action::kPut);
  EXPECT_EQ(put.key, "k");
  EXPECT_EQ(put.value, "v");
  const Op erase = Op::text_erase("t", 3, 2);
  EXPECT_EQ(erase.kind, ObjectKind::kText);
  EXPECT_EQ(erase.action, Op::Action::kErase);
  EXPECT_EQ(erase.index, 3u);
  EXPECT_EQ(erase.count, 2u);
  EXPECT_EQ(Op::set_remove("s", "x").action, Op::Action::kRemove);
  EXPECT_EQ(Op::increment("c", -4).amount, -4);
  EXPECT_EQ(Op::list_insert("l", 1, "x").kind, ObjectKind::kList);
  EXPECT_EQ(Op::map_delete("m", "k").action, Op::Action::kDelete);
}

}  // namespace
}  // namespace ff::fabric
