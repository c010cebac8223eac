"""Japanese vocabulary for names: companies, people, campaigns. Fictional."""

from __future__ import annotations

# Company name cores: (written form, romanised for the domain). Katakana cores
# are the ones that appear in half-width katakana in some exports.
COMPANY_CORES: tuple[tuple[str, str], ...] = (
    ("山田", "yamada"), ("田中", "tanaka"), ("中央", "chuo"), ("日本", "nihon"), ("東洋", "toyo"),
    ("大和", "yamato"), ("富士", "fuji"), ("三協", "sankyo"), ("新日本", "shinnihon"), ("北斗", "hokuto"),
    ("青葉", "aoba"), ("桜", "sakura"), ("旭", "asahi"), ("昭和", "showa"), ("大成", "taisei"),
    ("光陽", "koyo"), ("丸山", "maruyama"), ("高橋", "takahashi"), ("松本", "matsumoto"), ("双葉", "futaba"),
    ("瑞穂", "mizuho"), ("白鳥", "shiratori"), ("若葉", "wakaba"), ("朝日", "asahi"), ("八洲", "yashima"),
    ("明星", "myojo"), ("千代田", "chiyoda"), ("港南", "konan"), ("北陸", "hokuriku"), ("九州", "kyushu"),
    ("東海", "tokai"), ("関東", "kanto"), ("信越", "shinetsu"), ("瀬戸内", "setouchi"), ("みなと", "minato"),
    ("ひかり", "hikari"), ("あおぞら", "aozora"), ("さくら", "sakura"), ("みらい", "mirai"), ("つばさ", "tsubasa"),
    ("サンライズ", "sunrise"), ("アルファ", "alpha"), ("ネクスト", "next"), ("グローバル", "global"),
    ("フロンティア", "frontier"), ("ミライ", "mirai"), ("クレスト", "crest"), ("アーク", "arc"),
    ("ブライト", "bright"), ("エース", "ace"), ("ユニオン", "union"), ("パシフィック", "pacific"),
    ("オリオン", "orion"), ("ステラ", "stella"), ("コスモ", "cosmo"), ("ノヴァ", "nova"), ("リンク", "link"),
    ("シグマ", "sigma"), ("デルタ", "delta"), ("アトラス", "atlas"), ("ベイサイド", "bayside"),
    ("グリーン", "green"), ("ブルーウェーブ", "bluewave"), ("ライトハウス", "lighthouse"), ("エコー", "echo"),
    ("テラ", "terra"), ("プラス", "plus"), ("ワン", "one"), ("ハーモニー", "harmony"), ("ビジョン", "vision"),
)  # fmt: skip

COMPANY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("製作所", "ss"), ("工業", "kogyo"), ("システムズ", "systems"), ("テクノロジーズ", "tech"),
    ("商事", "shoji"), ("物産", "bussan"), ("電機", "denki"), ("ソリューションズ", "solutions"),
    ("ホールディングス", "hd"), ("建設", "kensetsu"), ("化学", "chemical"), ("食品", "foods"),
    ("運輸", "unyu"), ("不動産", "fudosan"), ("コンサルティング", "consulting"), ("精機", "seiki"),
    ("産業", "sangyo"), ("情報システム", "is"), ("ネットワークス", "networks"), ("ラボ", "lab"),
    ("メディカル", "medical"), ("ロジスティクス", "logistics"), ("エンジニアリング", "engineering"),
    ("データ", "data"), ("デジタル", "digital"), ("金属", "kinzoku"), ("印刷", "insatsu"), ("薬品", "yakuhin"),
)  # fmt: skip

COMPANY_REGIONS: tuple[tuple[str, str], ...] = (
    ("", ""), ("", ""), ("", ""), ("", ""), ("東京", "tokyo"), ("関西", "kansai"), ("北海道", "hokkaido"),
    ("名古屋", "nagoya"), ("横浜", "yokohama"), ("福岡", "fukuoka"),
)  # fmt: skip

# Legal-form spellings: (prefix, suffix, weight). "{prefix}{name}{suffix}".
LEGAL_FORMS: tuple[tuple[str, str, float], ...] = (
    ("株式会社", "", 0.40),
    ("", "株式会社", 0.24),
    ("株式会社　", "", 0.03),
    ("（株）", "", 0.08),
    ("(株)", "", 0.05),
    ("", "（株）", 0.03),
    ("有限会社", "", 0.05),
    ("合同会社", "", 0.03),
    ("", "", 0.05),
    ("ｶﾌﾞｼｷｶﾞｲｼｬ ", "", 0.02),  # half-width katakana, as typed into old systems
    ("(ｶ)", "", 0.02),
)

TLDS: tuple[str, ...] = ("co.jp", "co.jp", "co.jp", "co.jp", "co.jp", "co.jp", "co.jp", "jp", "com", "net")
FREE_MAIL: tuple[str, ...] = ("gmail.com", "yahoo.co.jp", "outlook.jp", "icloud.com")

# People: (kanji, romaji).
FAMILY_NAMES: tuple[tuple[str, str], ...] = (
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"),
    ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"),
    ("吉田", "yoshida"), ("山田", "yamada"), ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"),
    ("井上", "inoue"), ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("阿部", "abe"),
    ("石川", "ishikawa"), ("山下", "yamashita"), ("中島", "nakajima"), ("石井", "ishii"), ("小川", "ogawa"),
    ("前田", "maeda"), ("岡田", "okada"), ("長谷川", "hasegawa"), ("藤田", "fujita"), ("後藤", "goto"),
    ("近藤", "kondo"), ("村上", "murakami"), ("遠藤", "endo"), ("青木", "aoki"), ("坂本", "sakamoto"),
)  # fmt: skip
GIVEN_NAMES: tuple[tuple[str, str], ...] = (
    ("翔太", "shota"), ("大輔", "daisuke"), ("健太", "kenta"), ("拓也", "takuya"), ("直樹", "naoki"),
    ("亮", "ryo"), ("誠", "makoto"), ("浩二", "koji"), ("隆", "takashi"), ("悠斗", "yuto"),
    ("陽子", "yoko"), ("美咲", "misaki"), ("愛", "ai"), ("恵", "megumi"), ("由美", "yumi"),
    ("彩", "aya"), ("麻衣", "mai"), ("奈々", "nana"), ("香織", "kaori"), ("真由美", "mayumi"),
    ("一郎", "ichiro"), ("和也", "kazuya"), ("剛", "tsuyoshi"), ("智子", "tomoko"), ("裕子", "yuko"),
    ("蓮", "ren"), ("葵", "aoi"), ("結衣", "yui"), ("大和", "yamato"), ("千尋", "chihiro"),
)  # fmt: skip

CITIES: tuple[str, ...] = ("東京", "大阪", "名古屋", "福岡", "札幌", "横浜", "仙台", "広島")

WEBINAR_TOPICS: tuple[str, ...] = (
    "インサイドセールス立ち上げの基本",
    "SFA定着化の5つのポイント",
    "製造業DXの最前線",
    "THE MODEL型組織の作り方",
    "生成AIで変わる営業生産性",
    "MQL定義を営業と合意する方法",
    "カスタマーサクセスで解約率を下げる",
    "展示会リードを商談につなげるフォロー術",
    "ABM入門: ターゲット企業の選び方",
    "データで見るBtoBマーケティング",
    "中堅企業のための基幹システム刷新",
    "IoTで実現する工場の見える化",
    "セキュリティ対策の最新動向",
    "電子帳簿保存法・インボイス対応",
    "RevOpsとは何か",
    "クラウド移行の進め方",
)
CONTENT_KINDS: tuple[str, ...] = ("ホワイトペーパー", "eBook", "導入事例集", "調査レポート", "チェックリスト")
INDUSTRIES: tuple[str, ...] = ("製造業", "小売業", "金融業", "物流業", "建設業", "医療・介護", "IT・通信")
EXPOS: tuple[str, ...] = (
    "{city} DX EXPO {year} 出展",
    "Japan IT Week {season} {year} 出展",
    "{city} 製造業DX展 {year}",
    "SaaS EXPO {year} {season}",
    "営業・マーケティング支援EXPO {year}",
    "{city} スマート工場EXPO {year} 出展",
    "AI・業務自動化展 {year} {season}",
)
OVERSEAS_EXPOS: dict[str, str] = {
    "USD": "CES {year} 出展 (Las Vegas)",
    "EUR": "Hannover Messe {year} 出展",
}
SEASONS_JA: dict[int, str] = {
    3: "春",
    4: "春",
    5: "春",
    6: "夏",
    7: "夏",
    8: "夏",
    9: "秋",
    10: "秋",
    11: "秋",
}
OUTBOUND_SEGMENTS: tuple[str, ...] = (
    "大手製造業",
    "中堅IT企業",
    "金融機関",
    "地方自治体",
    "物流・運輸",
    "既存顧客の関連会社",
)
OTHER_CAMPAIGNS: tuple[str, ...] = (
    "プレスリリース配信",
    "タクシー広告",
    "業界誌広告",
    "オウンドメディア",
    "ラジオCM",
)
