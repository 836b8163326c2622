"""Generate shopbot/data/catalog.json, the sample catalog the embedded search serves.

Deterministic: hand-written product lines x variants, with ratings, stock and the
extra description sentence drawn from a fixed seed. Ids are a hash of the category and
name, so they stay stable when lines are added or reordered. Run it after editing:

    .venv/bin/python tools/make_catalog.py            # writes shopbot/data/catalog.json
    .venv/bin/python tools/make_catalog.py --check    # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20261125
OUTPUT = Path(__file__).resolve().parents[1] / "shopbot" / "data" / "catalog.json"


@dataclass(frozen=True)
class Line:
    """One product line: brand, model and what is true of every variant."""

    brand: str
    model: str
    price: float
    blurb: str


@dataclass(frozen=True)
class Variant:
    suffix: str
    price_delta: float
    note: str


@dataclass(frozen=True)
class Category:
    name: str
    lines: tuple[Line, ...]
    variants: tuple[Variant, ...]
    extras: tuple[str, ...]


def v(suffix: str, delta: float = 0.0, note: str = "") -> Variant:
    return Variant(suffix, delta, note)


L = Line

RUNNING_SHOES = Category(
    "Running Shoes",
    (
        L("Brooks", "Ghost 16 Running Shoe", 139.95,
          "Neutral road running shoe with soft DNA Loft v3 cushioning for daily training miles."),
        L("Brooks", "Adrenaline GTS 24 Running Shoe", 139.95,
          "Stability running shoe with GuideRails support for runners who overpronate."),
        L("ASICS", "Gel-Nimbus 26 Running Shoe", 159.95,
          "Max-cushioned neutral running shoe with PureGEL technology for long runs."),
        L("ASICS", "Gel-Kayano 31 Running Shoe", 164.95,
          "Supportive stability running shoe with 4D Guidance System and plush FF Blast+ foam."),
        L("Nike", "Pegasus 41 Road Running Shoe", 139.99,
          "Responsive everyday trainer with ReactX foam and Air Zoom units for a springy ride."),
        L("Nike", "Vomero 18 Road Running Shoe", 149.99,
          "Nike's most cushioned road shoe, built for easy days and recovery runs."),
        L("Hoka", "Clifton 9 Running Shoe", 144.99,
          "Lightweight, highly cushioned neutral shoe with an early-stage meta-rocker."),
        L("Hoka", "Speedgoat 6 Trail Running Shoe", 154.99,
          "Trail running shoe with Vibram Megagrip outsole and 5 mm lugs for technical terrain."),
        L("Saucony", "Ride 17 Running Shoe", 139.99,
          "Versatile neutral daily trainer with PWRRUN+ cushioning and a roomy toe box."),
        L("Saucony", "Endorphin Speed 4 Running Shoe", 169.99,
          "Nylon-plated tempo and race-day shoe with bouncy PWRRUN PB foam."),
        L("New Balance", "Fresh Foam X 1080v14 Running Shoe", 164.99,
          "Plush neutral running shoe with Fresh Foam X midsole and engineered knit upper."),
        L("On", "Cloudmonster 2 Running Shoe", 169.99,
          "Max-cushion running shoe with oversized CloudTec Phase elements for a rolling ride."),
        L("Altra", "Torin 7 Running Shoe", 149.99,
          "Zero-drop cushioned road shoe with a FootShape toe box that lets toes splay."),
        L("Salomon", "Speedcross 6 Trail Running Shoe", 139.99,
          "Aggressive-grip trail runner with chevron lugs for mud and soft ground."),
    ),
    (v(" - Men's", 0, "Men's sizes 7-14, regular and wide widths."),
     v(" - Women's", 0, "Women's sizes 5-12, regular and wide widths.")),
    ("Breathable engineered mesh upper keeps feet cool on warm runs.",
     "Reflective details add visibility on early-morning and evening runs.",
     "Durable rubber outsole placed in high-wear zones.",
     "A good pick for half-marathon and marathon training blocks.",
     "Padded heel collar and gusseted tongue for a secure, comfortable fit."),
)

HEADPHONES = Category(
    "Headphones",
    (
        L("Sony", "WH-1000XM5 Wireless Noise Canceling Headphones", 399.99,
          "Over-ear Bluetooth headphones with industry-leading noise cancellation and 30-hour battery."),
        L("Bose", "QuietComfort Ultra Headphones", 429.00,
          "Wireless noise cancelling over-ear headphones with immersive spatial audio."),
        L("Apple", "AirPods Pro (2nd generation) with USB-C", 249.00,
          "In-ear wireless earbuds with active noise cancellation, Adaptive Audio and MagSafe case."),
        L("Sennheiser", "Momentum 4 Wireless Headphones", 349.95,
          "Audiophile-grade Bluetooth headphones with adaptive noise cancellation and 60-hour battery."),
        L("JBL", "Tune 770NC Wireless Headphones", 129.95,
          "Affordable over-ear headphones with adaptive noise cancelling and JBL Pure Bass sound."),
        L("Anker Soundcore", "Space Q45 Noise Cancelling Headphones", 149.99,
          "Budget wireless headphones with adaptive ANC, LDAC hi-res audio and 50-hour playtime."),
        L("Beats", "Studio Pro Wireless Headphones", 349.99,
          "Over-ear headphones with personalized spatial audio and USB-C lossless audio."),
        L("Audio-Technica", "ATH-M50x Studio Monitor Headphones", 169.00,
          "Wired closed-back studio headphones trusted for mixing, monitoring and DJing."),
        L("Sony", "WF-1000XM5 Wireless Earbuds", 299.99,
          "Compact true wireless earbuds with premium noise cancelling and LDAC support."),
        L("Jabra", "Elite 8 Active Sport Earbuds", 199.99,
          "Rugged IP68 true wireless earbuds built for workouts, with secure ShakeGrip fit."),
        L("Shokz", "OpenRun Pro Bone Conduction Headphones", 179.95,
          "Open-ear bone conduction sport headphones that keep you aware of traffic while running."),
        L("Samsung", "Galaxy Buds3 Pro Earbuds", 249.99,
          "True wireless earbuds with intelligent ANC and 24-bit hi-fi sound for Galaxy phones."),
        L("Sennheiser", "HD 600 Open-Back Headphones", 399.00,
          "Reference open-back wired headphones with natural, detailed sound for critical listening."),
        L("Beyerdynamic", "DT 770 PRO Studio Headphones", 159.00,
          "Closed-back wired headphones for recording and gaming, handmade in Germany."),
    ),
    (v(" - Black", 0, "Finished in black."), v(" - Silver", 0, "Finished in silver.")),
    ("Multipoint pairing switches between laptop and phone automatically.",
     "Comes with a carrying case and USB-C charging cable.",
     "Clear call quality with beamforming microphones.",
     "Companion app with customizable EQ.",
     "Lightweight design for all-day listening comfort."),
)

LAPTOPS = Category(
    "Laptops",
    (
        L("Apple", 'MacBook Air 13" M3', 1099.00,
          "Fanless thin-and-light laptop with Apple M3 chip, Liquid Retina display and 18-hour battery."),
        L("Apple", 'MacBook Pro 14" M4 Pro', 1999.00,
          "Pro laptop with M4 Pro chip, Liquid Retina XDR display and up to 24-hour battery life."),
        L("Dell", "XPS 13 Laptop", 1199.99,
          "Premium 13.4-inch ultrabook with Intel Core Ultra processor and edge-to-edge "
          "InfinityEdge display."),
        L("Dell", 'Inspiron 15 Laptop 15.6"', 549.99,
          "Everyday 15.6-inch laptop for school and home with full HD display and numeric keypad."),
        L("Lenovo", "ThinkPad X1 Carbon Gen 12 Business Laptop", 1649.00,
          "Lightweight 14-inch business laptop with legendary ThinkPad keyboard and vPro security."),
        L("Lenovo", "IdeaPad Slim 5 14\" Laptop", 699.99,
          "Slim aluminum laptop with AMD Ryzen 7 processor and 2.2K display, great value for students."),
        L("HP", "Spectre x360 14 2-in-1 Laptop", 1449.99,
          "Convertible touchscreen laptop with 2.8K OLED display and included stylus pen."),
        L("HP", 'Pavilion 15.6" Laptop', 629.99,
          "Reliable 15.6-inch laptop with Intel Core i5, fast SSD and HD webcam for home and school."),
        L("ASUS", "Zenbook 14 OLED Laptop", 999.99,
          "Compact 14-inch laptop with a vivid 3K OLED screen and all-day battery life."),
        L("ASUS", "ROG Zephyrus G14 Gaming Laptop", 1799.99,
          "14-inch gaming laptop with NVIDIA GeForce RTX 4070 graphics and 120 Hz OLED display."),
        L("Acer", "Swift Go 14 Laptop", 799.99,
          "Lightweight 14-inch laptop with Intel Core Ultra 7 and 2.8K OLED display."),
        L("Microsoft", 'Surface Laptop 7 13.8"', 999.99,
          "Copilot+ PC with Snapdragon X Plus processor, PixelSense touchscreen and 20-hour battery."),
        L("Framework", "Laptop 13 DIY Edition", 1049.00,
          "Modular, repairable 13.5-inch laptop with swappable ports and upgradeable mainboard."),
        L("Razer", "Blade 16 Gaming Laptop", 2999.99,
          "High-end 16-inch gaming laptop with RTX 4080 graphics and a 240 Hz QHD+ OLED display."),
    ),
    (v(" - 16GB RAM, 512GB SSD", 0, "Configured with 16 GB of memory and a 512 GB SSD."),
     v(" - 32GB RAM, 1TB SSD", 400, "Configured with 32 GB of memory and a 1 TB SSD.")),
    ("Wi-Fi 6E and Bluetooth 5.3 for fast, reliable wireless.",
     "Backlit keyboard for typing in low light.",
     "USB-C charging with fast charge support.",
     "1080p webcam with privacy shutter for video calls.",
     "Ships with a one-year limited warranty."),
)

KITCHEN = Category(
    "Kitchen",
    (
        L("Vitamix", "5200 Professional-Grade Blender", 449.95,
          "64-ounce high-performance blender with variable speed control for smoothies and soups."),
        L("Ninja", "Professional Plus Blender with Auto-iQ", 119.99,
          "1400-watt countertop blender that crushes ice and blends frozen drinks in seconds."),
        L("KitchenAid", "Artisan 5-Quart Tilt-Head Stand Mixer", 449.99,
          "Iconic stand mixer with 10 speeds for baking bread, cookies and cakes."),
        L("Instant Pot", "Duo 7-in-1 Electric Pressure Cooker, 6 Quart", 99.95,
          "Pressure cooker, slow cooker, rice cooker, steamer, saute pan, yogurt maker and warmer in one."),
        L("Ninja", "Air Fryer Pro 4-in-1, 5 Quart", 129.99,
          "Air fryer that crisps with little to no oil; also roasts, reheats and dehydrates."),
        L("Cosori", "Pro II Air Fryer, 5.8 Quart", 119.99,
          "Square-basket air fryer with 12 presets and dishwasher-safe nonstick basket."),
        L("Breville", "Barista Express Espresso Machine", 699.95,
          "Espresso machine with built-in conical burr grinder and steam wand for latte art."),
        L("Nespresso", "Vertuo Next Coffee and Espresso Maker", 179.00,
          "One-touch capsule coffee maker that brews coffee and espresso in five cup sizes."),
        L("Lodge", '10.25" Pre-Seasoned Cast Iron Skillet', 24.90,
          "Durable cast iron frying pan for searing, baking and campfire cooking."),
        L("Le Creuset", "Enameled Cast Iron Dutch Oven, 5.5 Quart", 429.95,
          "Round enameled Dutch oven for braises, stews and no-knead bread."),
        L("Victorinox", 'Fibrox Pro 8" Chef\'s Knife', 54.99,
          "Razor-sharp stainless steel chef's knife with a non-slip ergonomic handle."),
        L("Cuisinart", "14-Cup Food Processor", 249.95,
          "Large-capacity food processor for chopping, slicing, shredding and kneading dough."),
        L("Zojirushi", "Neuro Fuzzy 5.5-Cup Rice Cooker", 199.99,
          "Fuzzy-logic rice cooker and warmer for perfect white, brown and sushi rice."),
        L("OXO", "Good Grips 3-Piece Mixing Bowl Set", 44.99,
          "Stainless steel mixing bowls with non-slip bottoms and easy-grip handles."),
        L("Chemex", "Classic 8-Cup Pour-Over Glass Coffeemaker", 49.95,
          "Hand-blown glass pour-over coffee maker for clean, bright coffee."),
    ),
    (v("", 0, ""),
     v(" - Bundle with Accessories", 30, "Bundle includes extra accessories and a recipe book.")),
    ("Backed by a limited manufacturer warranty.",
     "Easy to clean; removable parts are dishwasher safe.",
     "A favourite gift for weddings and housewarmings.",
     "Compact footprint fits small kitchens.",
     "Recipe guide included to get you started."),
)

OUTDOOR = Category(
    "Outdoor & Camping",
    (
        L("REI Co-op", "Half Dome SL 2+ Tent", 279.00,
          "Two-person backpacking tent with two doors, two vestibules and a roomy floor plan."),
        L("Big Agnes", "Copper Spur HV UL2 Tent", 549.95,
          "Ultralight two-person backpacking tent, just over 3 pounds, with high-volume hub pole design."),
        L("Coleman", "Sundome 4-Person Camping Tent", 89.99,
          "Easy-setup dome tent for family car camping with WeatherTec rain protection."),
        L("Kelty", "Cosmic 20 Down Sleeping Bag", 179.95,
          "550-fill-power down sleeping bag rated to 20°F for three-season backpacking."),
        L("NEMO", "Disco 15 Down Sleeping Bag", 329.95,
          "Spoon-shaped down sleeping bag that gives side sleepers room to bend their knees."),
        L("Therm-a-Rest", "NeoAir XLite NXT Sleeping Pad", 219.95,
          "Ultralight inflatable sleeping pad with R-value 4.5 for warmth on cold ground."),
        L("Jetboil", "Flash Camping Stove Cooking System", 129.95,
          "Fast-boil backpacking stove that boils water in 100 seconds; integrated 1-liter pot."),
        L("MSR", "PocketRocket 2 Backpacking Stove", 54.95,
          "Compact ultralight canister stove with precise flame control for camp cooking."),
        L("Black Diamond", "Spot 400 Headlamp", 49.95,
          "Waterproof 400-lumen headlamp with red night-vision mode for camping and hiking."),
        L("Petzl", "Actik Core Rechargeable Headlamp", 69.95,
          "450-lumen rechargeable headlamp for trail running, hiking and camping."),
        L("Osprey", "Atmos AG 65 Backpacking Pack", 340.00,
          "65-liter backpacking backpack with Anti-Gravity suspension for multi-day hikes."),
        L("Gregory", "Baltoro 75 Backpack", 349.95,
          "75-liter expedition backpack with a Response A3 suspension for heavy loads."),
        L("Sawyer", "Squeeze Water Filtration System", 39.95,
          "Lightweight water filter that removes 99.99999% of bacteria for hiking and travel."),
        L("Katadyn", "BeFree 1.0L Water Filter Bottle", 44.95,
          "Collapsible soft flask with a fast-flow hollow-fiber filter for trail running and hiking."),
        L("YETI", "Tundra 45 Hard Cooler", 325.00,
          "Rotomolded cooler that keeps ice for days on camping, fishing and beach trips."),
        L("Helinox", "Chair One Camp Chair", 109.95,
          "Packable ultralight camping chair that sets up in seconds."),
        L("Black Diamond", "Trail Trekking Poles", 109.95,
          "Adjustable aluminum hiking poles with FlickLock Pro adjustment."),
    ),
    (v("", 0, ""), v(" - Olive", 0, "Shown in olive.")),
    ("Tested in the field by thru-hikers and weekend campers.",
     "Packs down small for backpacking trips.",
     "Weather-resistant construction for three-season use.",
     "Includes a stuff sack for storage.",
     "Great for national park road trips and overnight hikes."),
)

HOME_OFFICE = Category(
    "Home Office",
    (
        L("FlexiSpot", "E7 Electric Standing Desk, 55x28", 499.99,
          "Dual-motor height-adjustable sit-stand desk with memory presets and steel frame."),
        L("UPLIFT", "V2 Standing Desk, 60x30", 699.00,
          "Sturdy electric standing desk with a wide height range and 15-year warranty."),
        L("Herman Miller", "Aeron Ergonomic Office Chair", 1805.00,
          "Iconic ergonomic mesh office chair with PostureFit SL lumbar support."),
        L("Steelcase", "Leap V2 Office Chair", 1329.00,
          "Ergonomic task chair with LiveBack technology that flexes with your spine."),
        L("Branch", "Ergonomic Chair", 499.00,
          "Affordable ergonomic desk chair with adjustable lumbar support and 4D armrests."),
        L("Dell", 'UltraSharp U2723QE 27" 4K USB-C Hub Monitor', 579.99,
          "27-inch 4K IPS Black monitor with USB-C power delivery and built-in hub."),
        L("LG", '27UP850-W 27" 4K UHD Monitor', 399.99,
          "27-inch 4K monitor with HDR400, USB-C 96 W charging and accurate color."),
        L("Logitech", "MX Keys S Wireless Keyboard", 109.99,
          "Quiet, backlit wireless keyboard with spherically dished keys for fast, fluid typing."),
        L("Keychron", "K2 Wireless Mechanical Keyboard", 89.99,
          "Compact 75% Bluetooth mechanical keyboard for Mac and Windows with hot-swappable switches."),
        L("Logitech", "MX Master 3S Wireless Mouse", 99.99,
          "Ergonomic wireless mouse with quiet clicks, 8K DPI sensor and MagSpeed scroll wheel."),
        L("Logitech", "Brio 4K Webcam", 199.99,
          "Ultra HD 4K webcam with HDR and Windows Hello face recognition for video calls."),
        L("Ergotron", "LX Single Monitor Arm", 189.00,
          "Desk-mount monitor arm that lifts, extends and tilts screens up to 34 inches."),
        L("BenQ", "ScreenBar Monitor Light", 109.00,
          "Monitor light bar that lights your desk without screen glare; auto-dimming."),
        L("CalDigit", "TS4 Thunderbolt 4 Dock", 399.99,
          "18-port Thunderbolt 4 docking station with 98 W laptop charging."),
        L("Anker", "7-in-1 USB-C Hub", 35.99,
          "Portable USB-C adapter with 4K HDMI, 100 W pass-through charging and SD card reader."),
    ),
    (v("", 0, ""), v(" - White", 0, "Finished in white.")),
    ("Designed for long workdays at home.",
     "Assembly takes under 30 minutes with included tools.",
     "Works with Mac, Windows and Chromebook.",
     "Pairs well with a standing desk setup.",
     "Reduces clutter for a cleaner desk."),
)

TOYS = Category(
    "Toys & Games",
    (
        L("LEGO", "Classic Large Creative Brick Box 10698", 59.99,
          "790-piece building set with bricks in 33 colors for open-ended creative play, ages 4+."),
        L("LEGO", "Technic Lamborghini Sian FKP 37 42115", 449.99,
          "3,696-piece model car building kit for adults with working gearbox."),
        L("LEGO", "Star Wars Millennium Falcon 75257", 169.99,
          "Buildable Star Wars starship with minifigures of Han Solo, Chewbacca and more, ages 9+."),
        L("Catan Studio", "Catan Board Game", 54.99,
          "Strategy board game of trading and building for 3-4 players, ages 10+."),
        L("Days of Wonder", "Ticket to Ride Board Game", 54.99,
          "Cross-country train adventure board game for family game night, 2-5 players."),
        L("Z-Man Games", "Pandemic Board Game", 44.99,
          "Cooperative board game where players work together to stop global outbreaks."),
        L("Magna-Tiles", "Clear Colors 100-Piece Set", 119.99,
          "Magnetic building tiles for STEM play; build towers, castles and rockets."),
        L("Melissa & Doug", "Wooden Pattern Blocks and Boards", 19.99,
          "Classic wooden shape puzzle with 120 blocks and 5 double-sided pattern boards."),
        L("Hot Wheels", "Track Builder Unlimited Triple Loop Kit", 39.99,
          "Die-cast car track set with three loops and a motorized booster."),
        L("Barbie", "Dreamhouse Dollhouse Playset", 199.99,
          "Three-story dollhouse with a working elevator, pool with slide and 75+ pieces."),
        L("Nerf", "Elite 2.0 Commander RD-6 Blaster", 19.99,
          "Foam dart blaster with a rotating 6-dart drum and 12 Nerf Elite darts."),
        L("Play-Doh", "Modeling Compound 10-Pack", 9.99,
          "Non-toxic modeling dough in 10 bright colors for kids 2 and up."),
        L("Rubik's", "Cube 3x3 Puzzle", 10.99,
          "The original color-matching puzzle cube for brain-teasing fun."),
        L("Crayola", "Inspiration Art Case, 140 Pieces", 24.99,
          "Art set with crayons, colored pencils, markers and paper in a portable case."),
        L("VTech", "KidiZoom Creator Cam", 59.99,
          "Kids' video camera with green screen effects and a tripod, ages 5+."),
    ),
    (v("", 0, ""), v(" - Gift Edition", 10, "Gift edition comes in a keepsake box.")),
    ("Makes a great birthday or holiday gift.",
     "Encourages creativity and problem solving.",
     "Built to survive years of enthusiastic play.",
     "Fun for the whole family.",
     "Screen-free entertainment for rainy days."),
)

BOOKS = Category(
    "Books",
    (
        L("James Clear", "Atomic Habits", 27.00,
          "Self-help bestseller on building good habits and breaking bad ones with tiny changes."),
        L("Andy Weir", "Project Hail Mary", 28.99,
          "Science fiction novel: a lone astronaut must save Earth from an extinction-level threat."),
        L("Frank Herbert", "Dune", 18.00,
          "Classic science fiction epic of politics, religion and ecology on the desert planet Arrakis."),
        L("Yuval Noah Harari", "Sapiens: A Brief History of Humankind", 24.99,
          "Popular history of how Homo sapiens came to rule the world."),
        L("Tara Westover", "Educated: A Memoir", 18.00,
          "Memoir of a woman who grew up in rural Idaho and went on to earn a PhD from Cambridge."),
        L("Matt Haig", "The Midnight Library", 26.00,
          "Novel about a library between life and death where every book is a life you could have lived."),
        L("Christopher McDougall", "Born to Run", 17.00,
          "Running classic about the Tarahumara ultrarunners of Mexico and barefoot running."),
        L("Samin Nosrat", "Salt, Fat, Acid, Heat", 37.50,
          "Illustrated cookbook that teaches the four elements of good cooking."),
        L("David Thomas & Andrew Hunt", "The Pragmatic Programmer, 20th Anniversary Edition", 49.99,
          "Software engineering classic on craftsmanship, career and practical programming habits."),
        L("Martin Kleppmann", "Designing Data-Intensive Applications", 59.99,
          "Guide to the architecture of reliable, scalable and maintainable data systems."),
        L("Luciano Ramalho", "Fluent Python, 2nd Edition", 69.99,
          "In-depth guide to writing effective, idiomatic Python 3 code."),
        L("J.R.R. Tolkien", "The Hobbit", 14.99,
          "Fantasy adventure of Bilbo Baggins, the dwarves and the dragon Smaug."),
        L("Daniel Kahneman", "Thinking, Fast and Slow", 20.00,
          "Nobel laureate's tour of the two systems that drive the way we think and decide."),
        L("Cal Newport", "Deep Work", 30.00,
          "Rules for focused success in a distracted world; productivity for knowledge workers."),
        L("Eric Carle", "The Very Hungry Caterpillar", 10.99,
          "Beloved children's picture book about a caterpillar who eats his way to becoming a butterfly."),
        L("Delia Owens", "Where the Crawdads Sing", 18.00,
          "Mystery and coming-of-age novel set in the marshes of North Carolina."),
    ),
    (v(" (Paperback)", -6, "Paperback edition."), v(" (Hardcover)", 0, "Hardcover edition.")),
    ("A New York Times bestseller.",
     "Loved by book clubs.",
     "Makes a thoughtful gift for readers.",
     "Widely recommended by readers and critics.",
     "Printed on acid-free paper."),
)

BEAUTY = Category(
    "Beauty & Personal Care",
    (
        L("CeraVe", "Moisturizing Cream with Hyaluronic Acid", 17.99,
          "Fragrance-free face and body moisturizer with three essential ceramides for dry skin."),
        L("CeraVe", "Hydrating Facial Cleanser", 15.99,
          "Gentle non-foaming face wash for normal to dry skin with ceramides and hyaluronic acid."),
        L("The Ordinary", "Niacinamide 10% + Zinc 1% Serum", 6.00,
          "Serum that targets blemishes, visible pores and uneven skin tone."),
        L("La Roche-Posay", "Anthelios Melt-in Milk Sunscreen SPF 60", 36.99,
          "Broad-spectrum face and body sunscreen, water resistant for 80 minutes."),
        L("Neutrogena", "Hydro Boost Water Gel Moisturizer", 19.97,
          "Oil-free gel face moisturizer with hyaluronic acid for dehydrated skin."),
        L("Olaplex", "No. 3 Hair Perfector", 30.00,
          "At-home bond-building hair treatment that repairs damaged and color-treated hair."),
        L("Dyson", "Supersonic Hair Dryer", 429.99,
          "Fast-drying hair dryer with intelligent heat control to protect shine."),
        L("Maybelline", "Lash Sensational Sky High Mascara", 12.99,
          "Lengthening and volumizing mascara with a flexible brush for limitless lash length."),
        L("e.l.f.", "Power Grip Primer", 10.00,
          "Gel-based makeup primer with hyaluronic acid that grips makeup all day."),
        L("Paula's Choice", "Skin Perfecting 2% BHA Liquid Exfoliant", 35.00,
          "Leave-on exfoliant with salicylic acid that unclogs pores and smooths skin."),
        L("Laneige", "Lip Sleeping Mask, Berry", 24.00,
          "Overnight lip mask with vitamin C and antioxidants for soft, supple lips."),
        L("Fenty Beauty", "Gloss Bomb Universal Lip Luminizer", 22.00,
          "High-shine lip gloss with a non-sticky finish that flatters every skin tone."),
        L("Revlon", "One-Step Volumizer Hair Dryer and Hot Air Brush", 59.99,
          "Hot air brush that dries and styles hair in one step for salon blowouts at home."),
        L("Philips Norelco", "OneBlade Pro 360 Face and Body Trimmer", 69.99,
          "Electric trimmer and shaver that trims, edges and shaves any length of hair."),
    ),
    (v("", 0, ""), v(" - Travel Size", -4, "Travel size, TSA-friendly.")),
    ("Dermatologist recommended.",
     "Cruelty-free and not tested on animals.",
     "Suitable for sensitive skin.",
     "A cult favourite with thousands of five-star reviews.",
     "Free of parabens and synthetic fragrance."),
)

FITNESS = Category(
    "Fitness",
    (
        L("Manduka", "PRO Yoga Mat 6mm", 129.00,
          "Dense, high-performance yoga mat with lifetime guarantee and closed-cell surface."),
        L("Lululemon", "The Mat 5mm Yoga Mat", 98.00,
          "Grippy natural rubber yoga mat with a polyurethane top layer that absorbs sweat."),
        L("Gaiam", "Essentials Thick Yoga Mat", 21.98,
          "10 mm thick exercise mat with carrying strap for yoga, pilates and floor workouts."),
        L("Bowflex", "SelectTech 552 Adjustable Dumbbells (Pair)", 429.00,
          "Adjustable dumbbells from 5 to 52.5 pounds that replace 15 sets of weights."),
        L("Amazon Basics", "Cast Iron Kettlebell, 20 lb", 34.99,
          "Solid cast iron kettlebell for swings, squats and strength training."),
        L("TheraBand", "Resistance Bands Set", 24.99,
          "Latex-free resistance bands in progressive levels for rehab and strength workouts."),
        L("TriggerPoint", "GRID Foam Roller", 36.99,
          "Multi-density foam roller for self-massage and muscle recovery after running."),
        L("Garmin", "Forerunner 265 GPS Running Smartwatch", 449.99,
          "GPS running watch with AMOLED display, training readiness and daily workout suggestions."),
        L("Apple", "Watch Series 10 GPS 42mm", 399.00,
          "Smartwatch with fitness tracking, ECG, sleep apnea notifications and water resistance."),
        L("Fitbit", "Charge 6 Fitness Tracker", 159.95,
          "Fitness tracker with built-in GPS, heart rate, sleep tracking and Google apps."),
        L("COROS", "PACE 3 GPS Sport Watch", 229.00,
          "Lightweight GPS running watch with 24-day battery life and dual-frequency GPS."),
        L("Hydro Flask", "32 oz Wide Mouth Water Bottle", 44.95,
          "Insulated stainless steel water bottle that keeps drinks cold for 24 hours."),
        L("Theragun", "Mini Massage Gun", 199.00,
          "Portable percussive therapy massager for muscle soreness and recovery."),
        L("Crossrope", "Get Lean Weighted Jump Rope Set", 99.00,
          "Jump rope set with interchangeable weighted ropes for HIIT and cardio workouts."),
    ),
    (v("", 0, ""), v(" - Midnight Blue", 0, "Shown in midnight blue.")),
    ("Built for home gyms and small spaces.",
     "Pairs with popular fitness apps.",
     "Trusted by trainers and physical therapists.",
     "Easy to clean after sweaty workouts.",
     "Great for beginners and seasoned athletes."),
)

SMART_HOME = Category(
    "Smart Home",
    (
        L("Amazon", "Echo Dot (5th Gen) Smart Speaker", 49.99,
          "Compact smart speaker with Alexa, improved audio and a temperature sensor."),
        L("Google", "Nest Learning Thermostat (4th Gen)", 279.99,
          "Smart thermostat that learns your schedule and helps save energy."),
        L("Philips Hue", "White and Color Ambiance Starter Kit", 199.99,
          "Smart LED bulbs with a Bridge; 16 million colors controlled by app or voice."),
        L("Ring", "Battery Video Doorbell Plus", 149.99,
          "Wireless video doorbell with head-to-toe HD+ video and two-way talk."),
        L("Arlo", "Pro 5S 2K Security Camera", 249.99,
          "Wire-free outdoor security camera with color night vision and spotlight."),
        L("TP-Link", "Kasa Smart Plug Mini (4-Pack)", 29.99,
          "Wi-Fi smart plugs that put lamps and appliances on a schedule, no hub required."),
        L("iRobot", "Roomba j7+ Self-Emptying Robot Vacuum", 599.99,
          "Robot vacuum that avoids cords and pet waste and empties itself for 60 days."),
        L("eufy", "RoboVac 11S Robot Vacuum", 179.99,
          "Slim, quiet robot vacuum with strong suction for hard floors and carpets."),
        L("Google", "Nest Wifi Pro Mesh Router", 199.99,
          "Wi-Fi 6E mesh router system for fast whole-home coverage."),
        L("Ecobee", "Smart Thermostat Premium", 249.99,
          "Smart thermostat with built-in air quality monitor, smart sensor and Alexa."),
        L("August", "Wi-Fi Smart Lock", 229.99,
          "Retrofit smart lock that unlocks your door from your phone, keeps your existing keys."),
        L("Amazon", "Kindle Paperwhite (16 GB)", 159.99,
          "Waterproof e-reader with a 7-inch glare-free display and weeks of battery life."),
    ),
    (v("", 0, ""), v(" - 2-Pack", 0, "Two-pack for larger homes.")),
    ("Works with Alexa, Google Assistant and Apple Home where supported.",
     "Set up in minutes with the companion app.",
     "Receives regular firmware updates.",
     "Energy-efficient design.",
     "Control it from anywhere with your phone."),
)

APPAREL = Category(
    "Apparel",
    (
        L("Patagonia", "Nano Puff Jacket", 239.00,
          "Lightweight, windproof insulated jacket with PrimaLoft Gold made from recycled materials."),
        L("The North Face", "Venture 2 Rain Jacket", 110.00,
          "Waterproof, breathable packable rain jacket for hiking and travel."),
        L("Columbia", "Watertight II Rain Jacket", 90.00,
          "Packable waterproof rain shell with adjustable hood."),
        L("Arc'teryx", "Atom Hoody Insulated Jacket", 300.00,
          "Versatile synthetic insulated hoody for climbing, skiing and everyday wear."),
        L("Smartwool", "Run Targeted Cushion Ankle Socks", 22.00,
          "Merino wool running socks with targeted cushioning and breathable mesh zones."),
        L("Darn Tough", "Hiker Micro Crew Cushion Socks", 27.00,
          "Merino wool hiking socks with a lifetime guarantee."),
        L("Lululemon", "ABC Jogger", 128.00,
          "Stretchy, anti-stink joggers built for comfort on the commute and at the office."),
        L("Nike", "Dri-FIT Challenger 7\" Running Shorts", 40.00,
          "Lightweight running shorts with sweat-wicking Dri-FIT fabric and a built-in brief."),
        L("Under Armour", "Tech 2.0 Short Sleeve T-Shirt", 25.00,
          "Quick-drying, ultra-soft workout shirt with anti-odor technology."),
        L("Levi's", "501 Original Fit Jeans", 79.50,
          "The original straight-leg button-fly jeans in classic denim."),
        L("Carhartt", "Acrylic Watch Hat", 19.99,
          "Warm rib-knit beanie with the Carhartt label; a cold-weather staple."),
        L("Uniqlo", "Ultra Light Down Jacket", 79.90,
          "Ultra-light, packable down jacket that layers under coats."),
    ),
    (v(" - Men's", 0, "Men's fit, sizes S-XXL."), v(" - Women's", 0, "Women's fit, sizes XS-XL.")),
    ("Machine washable.",
     "Made with recycled materials.",
     "Relaxed fit for layering.",
     "Available in several colorways.",
     "Fabric with four-way stretch for freedom of movement."),
)

BAGS = Category(
    "Bags & Luggage",
    (
        L("Away", "The Carry-On Suitcase", 295.00,
          "Hard-shell carry-on luggage with 360° spinner wheels and TSA-approved lock."),
        L("Samsonite", "Freeform Hardside Spinner, Medium", 219.99,
          "Lightweight expandable checked suitcase with double spinner wheels."),
        L("Osprey", "Farpoint 40 Travel Backpack", 185.00,
          "Carry-on sized travel backpack with a laptop sleeve and stowaway harness."),
        L("Peak Design", "Everyday Backpack 20L", 279.95,
          "Weatherproof camera and laptop backpack with origami-inspired dividers."),
        L("Herschel", "Little America Backpack", 109.99,
          "Classic mountaineering-style backpack with a padded 15-inch laptop sleeve."),
        L("Patagonia", "Black Hole Duffel Bag 55L", 169.00,
          "Weather-resistant duffel bag with backpack straps for gym, travel and road trips."),
        L("Bellroy", "Tech Kit Compact", 59.00,
          "Zip organizer pouch for chargers, cables and small tech accessories."),
        L("Tumi", "Alpha Bravo Laptop Backpack", 525.00,
          "Business laptop backpack made with durable ballistic nylon."),
    ),
    (v(" - Black", 0, "Shown in black."), v(" - Navy", 0, "Shown in navy.")),
    ("Backed by a lifetime warranty.",
     "Fits under most airline seats or in the overhead bin.",
     "Water-resistant fabric protects your gear.",
     "Padded shoulder straps for all-day comfort.",
     "Smart organization keeps essentials easy to reach."),
)

PETS = Category(
    "Pet Supplies",
    (
        L("KONG", "Classic Dog Toy, Medium", 13.99,
          "Durable natural rubber chew toy you can stuff with treats."),
        L("Chuckit!", "Ultra Ball, 2-Pack", 9.99,
          "High-bounce rubber fetch balls that float in water."),
        L("Furbo", "360° Dog Camera", 199.00,
          "Pet camera with treat tossing, barking alerts and two-way audio."),
        L("PetSafe", "Easy Walk No-Pull Dog Harness", 29.95,
          "Front-clip dog harness that discourages pulling on walks."),
        L("Purina Pro Plan", "Adult Chicken & Rice Dry Dog Food, 35 lb", 74.98,
          "High-protein dog food with real chicken as the first ingredient."),
        L("Frisco", "Cat Tree with Condo, 72-inch", 89.99,
          "Multi-level cat tree with sisal scratching posts and cozy condos."),
        L("Litter-Robot", "4 Self-Cleaning Litter Box", 699.00,
          "Automatic self-cleaning litter box with app alerts for multi-cat homes."),
        L("Ruffwear", "Front Range Dog Harness", 49.95,
          "Padded everyday dog harness for hiking and running with your dog."),
    ),
    (v("", 0, ""), v(" - Large", 8, "Large size.")),
    ("Vet recommended.",
     "Loved by dogs and cats alike.",
     "Made with pet-safe materials.",
     "Easy to clean.",
     "Great for active pets."),
)

CATEGORIES = (RUNNING_SHOES, HEADPHONES, LAPTOPS, KITCHEN, OUTDOOR, HOME_OFFICE, TOYS, BOOKS, BEAUTY,
              FITNESS, SMART_HOME, APPAREL, BAGS, PETS)


def product_id(category: str, name: str) -> str:
    digest = hashlib.blake2s(f"{category}|{name}".encode(), digest_size=5).hexdigest()
    return f"p-{digest}"


def price_of(base: float, delta: float) -> float:
    """Round to a retail price; keep the line's own cents for the base variant."""
    if delta == 0:
        return round(base, 2)
    return round(max(base + delta, 1.0), 2)


def build(seed: int = SEED) -> list[dict[str, object]]:
    rng = random.Random(seed)
    products: list[dict[str, object]] = []
    for category in CATEGORIES:
        for line in category.lines:
            for variant in category.variants:
                name = f"{line.brand} {line.model}{variant.suffix}"
                if category is BOOKS:  # books read "Title (Format)", the author is the brand
                    name = f"{line.model}{variant.suffix}"
                sentences = [line.blurb, rng.choice(category.extras)]
                if variant.note:
                    sentences.append(variant.note)
                products.append({
                    "id": product_id(category.name, name),
                    "name": name,
                    "brand": line.brand,
                    "category": category.name,
                    "description": " ".join(sentences),
                    "price": price_of(line.price, variant.price_delta),
                    "currency": "USD",
                    "rating": round(rng.uniform(3.6, 4.9), 1),
                    "in_stock": rng.random() > 0.1,
                })
    ids = [p["id"] for p in products]
    if len(set(ids)) != len(ids):
        raise SystemExit("duplicate product ids: two products share a category and name")
    return products


def render(products: list[dict[str, object]]) -> str:
    """One product per line: compact, yet a diff shows which products changed."""
    rows = ",\n".join(json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in products)
    return "[\n" + rows + "\n]\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the catalog file is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    products = build()
    text = render(products)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python tools/make_catalog.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(products)} products to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
