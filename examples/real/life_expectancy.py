"""Real bank example: life expectancy, 1960-2016, of a country richer in 1960 than any training one.

The bank holds the life expectancy curves of the 69 countries with a 1960 GDP per
person below 3 thousand dollars (Gapminder, via dslabs); RTE sees 10 years of a
richer country's curve and predicts its other 47. Run from the repository root
(needs the extra 'real'):

    .venv/bin/python examples/real/life_expectancy.py [--figure docs/img/real_life_expectancy.png]
"""

from _common import main

if __name__ == "__main__":
    main("life_expectancy", __doc__)
