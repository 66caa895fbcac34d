"""The shop:

rewards      what it offers, and what admins change (stock, price, retirement)
redemptions  redeem, cancel, fulfil: one transaction each
wallet       an employee's lifetime balance
offers       what the shop offers one employee: each reward redeemable or why not
statement    the balance's every movement in words: awards, redemptions, refunds, corrections
notify       the redemption's e-mails to the employee and the admins
"""
