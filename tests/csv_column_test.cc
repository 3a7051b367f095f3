// examples/common's CSV column reader: values checked by hand, and each malformed input an error
// naming the file, the data row and the value.
#include "examples/common/csv_column.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CsvColumnTest, ReadsTheNamedColumnInFileOrder) {
  auto v = ParseCsvColumn(
      "date,precipitation,temp_max,temp_min,wind,weather\r\n"
      "2012/01/01,0.0,12.8,5.0,4.7,drizzle\r\n"
      "2012/01/02,10.9,-10.6,2.8,4.5,rain\r\n"
      "\"2012/01/03\", 0.8 , 11.7 ,7.2,2.3,\"rain, some\"\r\n",
      "w.csv", "temp_max");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_THAT(*v, ElementsAre(12.8f, -10.6f, 11.7f));
  auto wind = ParseCsvColumn("a,wind\nx,1e2\n", "w.csv", "wind");
  ASSERT_TRUE(wind.ok()) << wind.status();
  EXPECT_THAT(*wind, ElementsAre(100.0f));
}

TEST(CsvColumnTest, MalformedInputIsAnErrorNamingWhere) {
  auto error = [](const std::string& text, const std::string& column) {
    auto v = ParseCsvColumn(text, "w.csv", column);
    EXPECT_FALSE(v.ok()) << text;
    return v.ok() ? std::string() : std::string(v.status().message());
  };
  EXPECT_THAT(error("", "t"), HasSubstr("w.csv: empty"));
  EXPECT_THAT(error("date,t\n", "t"), HasSubstr("w.csv: no data rows"));
  EXPECT_THAT(error("date,t\n1,2\n", "temp"), HasSubstr("w.csv: no column 'temp' in the header 'date,t'"));
  EXPECT_THAT(error("date,t\n1,2\n3\n", "t"), HasSubstr("w.csv: data row 2 has 1 fields, the header 2"));
  EXPECT_THAT(error("date,t\n1,2\n3,warm\n", "t"), HasSubstr("w.csv: data row 2: t 'warm' is not a finite number"));
  EXPECT_THAT(error("date,t\n1,\n", "t"), HasSubstr("data row 1: t '' is not a finite number"));
  EXPECT_THAT(error("date,t\n1,nan\n", "t"), HasSubstr("'nan' is not a finite number"));
  EXPECT_THAT(error("date,t\n1,1e39\n", "t"), HasSubstr("'1e39' is not a finite number"));
  EXPECT_THAT(error("date,t\n1,\"2\n", "t"), HasSubstr("w.csv"));
}

}  // namespace
}  // namespace sluice
